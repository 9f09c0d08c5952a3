"""The staff roles and the named sets of them that decide who may do what.

Every check of a role against a group of roles uses one of these names, so
a set is changed in one place and says what it is for.
"""

from __future__ import annotations

ROLES = ("admin", "dpo", "sales", "marketing")
# Every signed-in staff member (or API token), whatever the role.
ALL_STAFF = ROLES
# The data protection officer's work: data-subject requests, the audit trail, retention rules.
DPO_WORK = ("dpo", "admin")
# Who may see a profile whose processing is restricted (Art. 18 GDPR): only those doing the DPO's work.
SEES_RESTRICTED = DPO_WORK
# Working with customers as a business: audiences for a campaign, pushing contacts and purchases.
CUSTOMER_WORK = ("admin", "sales", "marketing")
# Bringing files of customers in by hand (the web's import page) and saving how their columns map: it writes
# personal data of many people at once and decides what every later import of a source keeps, so it is not the
# customer work of looking people up (the README's "admin may do everything"; the API's pushes are integrations).
IMPORTS = ("admin",)
