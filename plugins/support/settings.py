"""The support plugin's settings schema (SPEC S-10 to S-22, S-30, S-33)."""
from flask_babel import lazy_gettext as _l

from crm.settings import Bool, Choice, Int, List, OutboundUrl, Section, SettingsSchema, Text

DEFAULT_FILE_TYPES = ["jpg", "jpeg", "png", "gif", "pdf", "doc", "docx", "xls", "xlsx", "txt", "zip"]


def status_choices():
    """The ticket statuses admins have defined, for the default reply status."""
    from plugins.support import statuses

    return statuses.choices()


SETTINGS = SettingsSchema("support", _l("Support"), [
    Section("access", _l("Access to tickets"), [
        Bool("use_services", default=False, label=_l("Use services"),
             help=_l("Classify tickets by service. When off, the service field is hidden everywhere.")),
        Bool("staff_department_only", default=False, label=_l("Staff see only their departments' tickets"),
             help=_l("Staff reach only tickets of the departments they belong to. Admins see all tickets.")),
        Bool("members_access", default=False, label=_l("Non-staff members may access tickets"),
             help=_l("Team members who are not staff can see and work tickets, within the same department rule.")),
        Bool("staff_open_for_any_contact", default=True, label=_l("Staff may open tickets for any contact"),
             help=_l("When off, staff open tickets only for contacts of companies they manage or that "
                     "already have tickets in their departments.")),
        Bool("staff_may_delete", default=False, label=_l("Non-admin staff may delete tickets and replies"),
             help=_l("When off, only admins delete tickets and replies.")),
        Bool("customer_may_change_status", default=False, label=_l("Customers may change their tickets' status"),
             help=_l("Beyond closing and reopening, customers may pick any status in the portal.")),
    ]),
    Section("notifications", _l("Notifications and assignment"), [
        Bool("notify_staff_new_ticket", default=True, label=_l("Notify staff of new tickets"),
             help=_l("Department members (or the topic's assignees) are notified when a ticket is opened.")),
        Bool("updates_only_assigned", default=False, label=_l("Staff receive updates only for tickets assigned to them"),
             help=_l("When off, the members of the ticket's department and of the assigned team are notified too.")),
        Bool("notify_customer_on_staff_reply", default=True, label=_l("Email the customer when staff reply"),
             help=_l("The customer receives each public reply by email. Internal notes are never sent.")),
        Bool("notify_staff_on_customer_reply", default=True,
             label=_l("Notify the assignee (or department) when the customer replies"),
             help=_l("Without an assignee, the assigned team's members, else the department's members, are notified.")),
        Bool("auto_assign_first_responder", default=False,
             label=_l("Assign a ticket to the first staff member who replies"),
             help=_l("Applies only to tickets that have no assignee yet.")),
    ]),
    Section("replies", _l("Replies"), [
        Choice("reply_order", default="asc", label=_l("Reply order"),
               choices=[("asc", _l("Oldest first")), ("desc", _l("Newest first"))],
               help=_l("Order of the conversation for staff and in the portal.")),
        Choice("default_reply_status", default="answered", choices=status_choices,
               label=_l("Default reply status"),
               help=_l("Preset in the reply box and set on the ticket when staff reply.")),
        Text("new_ticket_email_subject", default="", max_length=200, label=_l("Email subject for tickets opened by staff"),
             help=_l("Leave empty to use “About your support request” in the customer's language.")),
    ]),
    Section("attachments", _l("Attachments"), [
        Int("max_attachments", default=5, min=0, max=20, label=_l("Maximum attachments per post"),
            help=_l("With 0, no files can be attached.")),
        List("allowed_file_types", default=DEFAULT_FILE_TYPES, item_pattern=r"[a-z0-9]{1,10}", lowercase=True,
             label=_l("Allowed file types"),
             help=_l("File name endings, one per line or separated by commas. HTML, SVG and scripts are "
                     "always served as downloads.")),
        Int("max_file_size_mb", default=20, min=1, max=100, label=_l("Maximum file size (MB)"),
            help=_l("Larger files are refused.")),
    ]),
    Section("callback", _l("Customer lookup"), [
        OutboundUrl("callback_url", default="", max_length=500, pattern=r"https?://\S+",
                    allow_private_setting="callback_allow_private", label=_l("Customer lookup URL"),
                    help=_l("Your system's address that answers what it knows about a customer; "
                            "the customer's email is sent as the “email” query parameter.")),
        Int("callback_timeout", default=5, min=1, max=30, label=_l("Lookup timeout (seconds)"),
            help=_l("How long to wait for your system's answer before showing an error.")),
        Bool("callback_allow_private", default=False, label=_l("Allow private and loopback addresses"),
             help=_l("Only for a callback service inside your own network.")),
    ]),
])
