"""Canned replies: saved texts agents insert into the reply box.

``models`` holds the tables, ``placeholders`` fills ``{customer_name}`` and
the like, ``service`` lists, finds and edits replies with the access rules
(desk-wide, per department, personal).
"""
