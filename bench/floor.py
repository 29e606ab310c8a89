"""The floor of the page benchmark: what a portal page costs without its own database work.

It sits behind the same middleware, session and customer login as the portal pages (their
queries: session, person, tenant, membership) and renders the portal's base template with a
table of in-memory rows; ``?rows=N`` sets how many, so that the page can be made as large as
the portal page it is compared with.
"""
import datetime

from django.shortcuts import render

from accounts.access import customer_required

MAX_ROWS = 5000
_SUBJECTS = ("Checkout page is blank after the upgrade", "Payment gateway rejects cards",
             "Cannot log in to the admin area", "Import of products fails half way",
             "Price of an extra license", "Search returns no results")
_STATUSES = ("Submitted", "In progress", "Closed", "Re-opened")
_START = datetime.datetime(2024, 1, 1, 9, 0, tzinfo=datetime.UTC)
ROWS = [
    {"number": 1001 + n, "subject": _SUBJECTS[n % len(_SUBJECTS)],
     "status": _STATUSES[n % len(_STATUSES)], "company": f"Company {n % 97} & Sons",
     "updated": _START + datetime.timedelta(hours=7 * n), "messages": n % 40 + 1}
    for n in range(MAX_ROWS)
]


@customer_required()
def floor(request):
    try:
        count = min(max(int(request.GET.get("rows", "0")), 0), MAX_ROWS)
    except ValueError:
        count = 0
    return render(request, "bench/floor.html", {"rows": ROWS[:count]})
