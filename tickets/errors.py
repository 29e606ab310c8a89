"""Why a ticket service refused: each message is shown as is to the person who asked."""
from django.utils.translation import gettext_lazy as _


class TicketError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


EMAIL_NOT_VERIFIED = _("Verify your email address first: we sent you a link when you "
                       "registered.")
ILLEGAL_MOVE = _("A ticket cannot go from “%(from)s” to “%(to)s”.")
CANNOT_POST_ON_CLOSED = _("This ticket is closed. Re-open it, or create a new ticket for a "
                          "new issue.")
ONLY_STAFF_NOTES = _("Only staff can write internal notes.")
HOTRUSH_ONLY_SUPPORT = _("HotRush is for tech support tickets only.")
HOTRUSH_CLOSED = _("HotRush cannot be changed once the ticket is closed.")
HOTRUSH_LIMIT = _("HotRush can be disabled at most %(limit)s times per helpdesk account once "
                  "a ticket is being worked on; your account has used them all.")
HOTRUSH_UNCHANGED = _("HotRush is already %(state)s on this ticket.")
HOTRUSH_QUOTE = _("HotRush cannot be combined with a price quote: a quote waits for your "
                  "confirmation before any work starts.")
PRIORITY_CLOSED = _("The priority can be changed only while the ticket is open.")
BUY_CAPABILITY = _("Your account type cannot choose options that cost credits. Ask your "
                   "company's primary account holder.")
QUOTE_NOT_SENT = _("There is no quote to answer on this ticket.")
QUOTE_INVALID = _("Give the estimate in credits or money (or both) and a short scope.")
QUOTE_WRONG_STATUS = _("A quote can be sent only while the ticket awaits one.")
RATE_ONLY_CLOSED = _("Only closed tickets can be rated. Close the ticket first.")
RATE_LOCKED = _("This rating can no longer be changed.")
RATE_RANGE = _("Rate from 1 to 5.")
NOT_YOUR_LICENSE = _("Choose licenses of your own company.")
UNKNOWN_VERSION = _("Choose a product version from the list.")
TYPE_NOT_OFFERED = _("Choose a ticket type from the list.")
DEPARTMENT_UNKNOWN = _("Choose a department from the list.")
ASSIGNEE_NOT_STAFF = _("Assign the ticket to a staff member of this helpdesk.")
SPLIT_FIRST_MESSAGE = _("The first message is the ticket itself; split a later message.")
SPLIT_INTERNAL = _("Internal notes cannot be split into a ticket.")
MERGE_ITSELF = _("A ticket cannot be merged into itself.")
MERGE_OTHER_COMPANY = _("Only tickets of the same company can be merged.")
MERGE_CLOSED_TARGET = _("Merge into an open ticket: the target is closed.")
ACCESS_INFO_ROLE = _("Only your company's primary and advanced secondary people can see or "
                     "post access info.")
ATTACHMENT_TOO_MANY = _("Attach at most %(limit)s files to one message.")
ATTACHMENT_TOO_BIG = _("“%(name)s” is larger than %(limit)s MB.")
ATTACHMENT_TYPE = _("“%(name)s”: files of this type are not accepted. Allowed: %(allowed)s.")
ATTACHMENT_SPOOFED = _("“%(name)s” does not contain what its name says (%(ext)s).")
ATTACHMENT_EMPTY = _("“%(name)s” is empty.")
FOLLOW_OTHER_COMPANY = _("Only people of the ticket's company can follow it.")
