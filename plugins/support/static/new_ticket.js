/* The new-ticket wizard: progressive enhancement only, every control also works without it. */
(function () {
  'use strict';
  var form = document.querySelector('.wizard-form');
  if (!form) { return; }
  var template = form.querySelector('select[name=template_id]');
  if (template) {
    template.addEventListener('change', function () {
      if (template.value) { form.querySelector('button[value=apply_template]').click(); }
    });
  }
  var targets = form.querySelectorAll('input[name=assign_to]');
  function showAssignee() {
    var chosen = form.querySelector('input[name=assign_to]:checked');
    var value = chosen ? chosen.value : '';
    var user = form.querySelector('select[name=assignee_user_id]');
    var team = form.querySelector('select[name=assignee_department_id]');
    if (user) { user.closest('.field').hidden = value !== 'user'; }
    if (team) { team.closest('.field').hidden = value !== 'team'; }
  }
  for (var i = 0; i < targets.length; i++) { targets[i].addEventListener('change', showAssignee); }
  if (targets.length) { showAssignee(); }
})();
