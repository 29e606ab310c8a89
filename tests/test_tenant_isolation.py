"""Tenant isolation (TEN-2, TEN-4): tenant A's staff and customers walk every URL and every
admin page with tenant B's ids; nothing of B may show, break or change.

Every text field of B's rows carries a marker (``zzbleak<n>``). The walkers find URLs, models
and admins by themselves (the URL resolver, the app registry, ``admin.site._registry``), so
what later issues add is walked too; a tenant-owned model without rows here fails
``test_every_tenant_model_has_rows_to_leak``, which says where to add them.
"""
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models import F
from django.forms import ModelChoiceField
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.regex_helper import normalize
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import LoginThrottle, Role, StaffRole, Tenant, User
from accounts.services.people import invitation_tokens
from accounts.services.registration import verification_token
from licenses.models import ProductKind
from tests.accounts.factories import (
    CompanyFactory,
    DepartmentFactory,
    DomainFactory,
    HolidayFactory,
    StaffFactory,
    customer_of,
)
from tests.conftest import host_client
from tests.helpdesk.factories import JobRunFactory
from tests.licenses.factories import LicenseFactory, ProductFactory, ProductVersionFactory
from tests.tickets.factories import CannedReplyFactory, TicketTypeFactory
from tickets import services as tickets
from tickets.models import AccessKind

MARK = "zzbleak"
# Searches use a stem of the marker, so that a search box showing the term is no leak; and a
# NUL character, which PostgreSQL refuses to compare.
SEARCH = MARK[:-2]
TERMS = ("", SEARCH, "a\x00")
Rows = dict[type[models.Model], set]


def populate(tenant: Tenant) -> None:
    """A full set of the tenant's data: one or more rows of every tenant-owned model."""
    department = DepartmentFactory(tenant=tenant)
    HolidayFactory(tenant=tenant)
    DomainFactory(tenant=tenant)
    company = CompanyFactory(tenant=tenant)
    staff = [StaffFactory(tenant=tenant, staff_role=role) for role in StaffRole]
    for person in staff:
        person.departments.add(department)
    people = [customer_of(company, role) for role in Role]
    customer_of(company, Role.SECONDARY, email_verified_at=None)
    customer_of(CompanyFactory(tenant=tenant), Role.PRIMARY)
    product = ProductFactory(tenant=tenant)
    ProductVersionFactory(product=product)
    main = LicenseFactory(company=company, product=product)
    LicenseFactory(company=company, parent=main,
                   product=ProductFactory(tenant=tenant, kind=ProductKind.ADDON))
    LoginThrottle.objects.create(tenant=tenant, email=f"locked@{tenant.slug}.example",
                                 failures=3)
    JobRunFactory(tenant=tenant, job="nightly", host="worker")
    TOTPDevice.objects.create(user=staff[0], name="phone", confirmed=True)
    backup = StaticDevice.objects.create(user=people[0], name="backup", confirmed=True)
    StaticToken.objects.create(device=backup, token="abcd1234")
    populate_tickets(tenant, department, people[0].membership, staff[0])


def populate_tickets(tenant: Tenant, department, membership, agent: User) -> None:
    """Tickets made by the services: messages with a file, a note, a split, a merge, a
    counted HotRush disable, access info and its view log, a canned reply."""
    support = TicketTypeFactory(tenant=tenant, department=department)
    customer = membership.user

    def submit(**fields):
        return tickets.submit_ticket(tenant=tenant, membership=membership, ticket_type=support,
                                     subject="Checkout fails", body="It breaks", **fields)

    ticket = submit(hotrush=True, uploads=[SimpleUploadedFile("error.log", b"Fatal error")])
    tickets.post_message(ticket=ticket, author=agent, body="Looking into it", internal=True)
    tickets.assign_ticket(ticket=ticket, by=agent, assignee=agent)
    tickets.set_hotrush(ticket=ticket, enable=False, by=customer, membership=membership)
    other_issue = tickets.post_message(ticket=ticket, author=customer, body="Also: invoices")
    tickets.split_message(message=other_issue, by=agent, subject="Invoices")
    tickets.merge_tickets(source=submit(), target=ticket, by=agent)
    tickets.post_access_info(membership=membership, ticket=ticket, kind=AccessKind.SSH,
                             host="shop.example", port=22, login="root", password="s3cret",
                             notes="")
    tickets.read_access_info(ticket=ticket, viewer=agent)
    CannedReplyFactory(tenant=tenant)


def rows_of(tenant: Tenant) -> Rows:
    """Every row that belongs to ``tenant``: the tenant and what points at it, transitively."""
    found: Rows = {Tenant: {tenant.pk}}
    grown = True
    while grown:
        grown = False
        for model in apps.get_models():
            for fk in model._meta.concrete_fields:
                if not (fk.many_to_one or fk.one_to_one) or fk.related_model not in found:
                    continue
                pks = set(model._base_manager.filter(
                    **{f"{fk.name}__in": found[fk.related_model]}).values_list("pk", flat=True))
                if pks - found.get(model, set()):
                    found.setdefault(model, set()).update(pks)
                    grown = True
    return found


def marker_for(text_field: models.Field, n: int) -> str:
    if isinstance(text_field, models.EmailField):
        return f"{MARK}{n}@b.example"
    if isinstance(text_field, models.URLField):
        return f"https://{MARK}{n}.example/"
    return f"{MARK}{n}"


def plant_markers(rows: Rows) -> dict[type[models.Model], set]:
    """Write a unique marker into every text field of ``rows`` that accepts one; return the
    pks of the rows that got at least one, by model."""
    planted: dict[type[models.Model], set] = {}
    n = 0
    for model, pks in rows.items():
        for obj in model._base_manager.filter(pk__in=pks):
            values = {}
            for text_field in model._meta.concrete_fields:
                if (not isinstance(text_field, (models.CharField, models.TextField))
                        or text_field.primary_key or text_field.choices
                        or text_field.name == "password"):
                    continue
                n += 1
                value = marker_for(text_field, n)
                try:
                    text_field.clean(value, obj)
                except ValidationError:
                    continue
                values[text_field.attname] = value
            if values:
                model._base_manager.filter(pk=obj.pk).update(**values)
                planted.setdefault(model, set()).add(obj.pk)
    return planted


def snapshot(rows: Rows) -> dict[str, str]:
    return {model._meta.label: serializers.serialize(
        "json", model._base_manager.filter(pk__in=pks).order_by("pk"))
        for model, pks in rows.items()}


def has_tenant(model) -> bool:
    return any(f.name == "tenant" and f.related_model is Tenant
               for f in model._meta.concrete_fields)


def cross_tenant_links() -> list[str]:
    """Rows whose foreign keys reach another tenant's rows (TEN-2), including many-to-many
    links: a link's tenant must equal the row's tenant, or the tenant of the row's other links."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        relations = [f for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one]
        tenant_owned = [f for f in relations
                        if f.related_model is not Tenant and has_tenant(f.related_model)]
        for link in tenant_owned:
            sources = (["tenant"] if has_tenant(model) else
                       [f"{other.name}__tenant" for other in tenant_owned if other is not link])
            for source in sources:
                crossing = (model._base_manager
                            .filter(**{f"{source}__isnull": False,
                                       f"{link.name}__tenant__isnull": False})
                            .exclude(**{f"{link.name}__tenant": F(source)}))
                found += [f"{model._meta.label} {pk}: {link.name} is another tenant's"
                          for pk in crossing.values_list("pk", flat=True)]
    return found


@dataclass
class World:
    """Tenants A and B with their rows; B's marked and snapshotted, with what names them."""

    a: Tenant
    b: Tenant
    a_rows: Rows
    b_rows: Rows
    planted: Rows
    before: dict[str, str]
    tokens: dict[int, list[str]]
    strings: set[str]
    ids: dict[str, list[str]]


@pytest.fixture
def world(tenant, other_tenant, company, customer, agent, manager) -> World:
    populate(tenant)
    populate(other_tenant)
    b_rows = rows_of(other_tenant)
    planted = plant_markers(b_rows)
    b_people = User.objects.filter(pk__in=b_rows[User])
    tokens = {person.pk: b_tokens(person) for person in b_people}
    return World(a=tenant, b=other_tenant, a_rows=rows_of(tenant), b_rows=b_rows,
                 planted=planted, before=snapshot(b_rows), tokens=tokens,
                 strings=b_strings(b_rows) | {t for ts in tokens.values() for t in ts},
                 ids=b_ids(b_rows))


@dataclass
class Walk:
    """One person's walk: what was requested, and every problem seen on the way."""

    client: Client
    user: User | None
    requests: int = 0
    walked: set = field(default_factory=set)  # URL patterns, admins, autocomplete fields
    problems: list[str] = field(default_factory=list)

    def __post_init__(self):
        # Collect every server error (logged with its traceback) instead of stopping at one.
        self.client.raise_request_exception = False

    def request(self, method: str, path: str, data=None, what: str = ""):
        if self.user is not None and "_auth_user_id" not in self.client.session:
            self.client.force_login(self.user)  # a walked logout or password change ended it
        response = getattr(self.client, method)(path, data or {})
        self.requests += 1
        asked = re.findall(rf"{MARK}\d+", f"{path} {urlencode(data or {}, doseq=True)}")
        self.inspect(response, f"{method.upper()} {path} {what}".strip(), asked)
        return response

    def inspect(self, response, label: str, asked=()) -> None:
        """Record a server error, or any marker shown but the ones the request itself named
        (a URL or form echoed back is no leak; the row's other markers still count)."""
        if response.status_code >= 500:
            self.problems.append(f"{label}: HTTP {response.status_code}")
        body = (b"".join(response.streaming_content) if response.streaming
                else response.content).decode(errors="replace")
        text = f"{response.get('Location', '')} {body}".lower()
        for echo in asked:
            text = re.sub(rf"{echo}(?!\d)", "", text)
        if MARK in text:
            at = text.index(MARK)
            self.problems.append(f"{label}: shows {text[max(0, at - 80):at + 20]!r}")

    def summary(self) -> str:
        return (f"{self.user or 'visitor'}: {self.requests} requests over "
                f"{len(self.walked)} URL patterns or admin pages, {len(self.problems)} problems")

    def fail_on_problems(self, world: World) -> None:
        problems = list(self.problems)
        if snapshot(world.b_rows) != world.before or rows_of(world.b) != world.b_rows:
            problems.append("tenant B's rows changed")
        problems += cross_tenant_links()
        assert not problems, "\n".join([self.summary(), *problems[:40]])


def leaf_patterns(resolver: URLResolver | None = None, chain=()) -> Iterator[tuple]:
    """Every URL pattern, as the chain of patterns from the root to the leaf."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from leaf_patterns(pattern, (*chain, pattern))
        else:
            yield (*chain, pattern)


def route_of(chain) -> str:
    return "".join(str(p.pattern) for p in chain)


def walked_chains() -> list[tuple]:
    skipped = tuple(prefix.lstrip("/") for prefix in (settings.STATIC_URL, settings.MEDIA_URL))
    return [chain for chain in leaf_patterns() if not route_of(chain).startswith(skipped)]


def parameters(chain) -> list[str]:
    names = []
    for p in chain:
        names += (list(p.pattern.converters) if isinstance(p.pattern, RoutePattern)
                  else list(p.pattern.regex.groupindex))
    return names


def build_path(chain, values: dict[str, str]) -> str | None:
    """The path of ``chain`` with ``values``, if it resolves to the chain's own view."""
    parts = []
    for p in chain:
        if isinstance(p.pattern, RoutePattern):
            parts.append(re.sub(r"<(?:[^>:]+:)?([^>]+)>", lambda m: str(values[m[1]]),
                                str(p.pattern)))
        else:
            template, names = normalize(p.pattern.regex.pattern)[0]
            parts.append(template % {name: values[name] for name in names})
    path = "/" + "".join(parts)
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return path if match.func is chain[-1].callback else None


def b_strings(rows: Rows) -> set[str]:
    """Tenant B's textual identifiers: slugs, keys, hosts, emails and the like."""
    values = set()
    for model, pks in rows.items():
        for text_field in model._meta.concrete_fields:
            if isinstance(text_field, (models.CharField, models.TextField)) and (
                    text_field.unique or text_field.name in ("key", "slug", "host", "email")):
                values |= set(model._base_manager.filter(pk__in=pks)
                              .values_list(text_field.name, flat=True))
    return {v for v in values if v}


def b_tokens(user: User) -> list[str]:
    """Every kind of one-time link token the project makes for ``user``."""
    return [default_token_generator.make_token(user), invitation_tokens.make_token(user),
            verification_token(user)]


def candidates(chain, world: World) -> Iterator[dict[str, str]]:
    """Parameter values for ``chain`` taken from tenant B's rows (B's ids, uids, tokens)."""
    names = parameters(chain)
    if not names:
        yield {}
        return
    model_admin = getattr(chain[-1].callback, "model_admin", None)
    rows = ({model_admin.model: world.b_rows.get(model_admin.model, set())} if model_admin
            else world.b_rows)
    for model, pks in rows.items():
        content_type = ContentType.objects.get_for_model(model)
        for obj in model._base_manager.filter(pk__in=pks):
            for token in world.tokens.get(obj.pk, [""]) if model is User else [""]:
                yield {name: {"uidb64": urlsafe_base64_encode(force_bytes(obj.pk)),
                              "token": token, "content_type_id": content_type.pk}
                       .get(name, obj.pk) for name in names}
    if len(names) == 1 and not model_admin:
        # App labels too: the admin's app index takes nothing else.
        words = world.strings | {config.label for config in apps.get_app_configs()}
        yield from ({names[0]: word} for word in sorted(words))


def b_ids(rows: Rows) -> dict[str, list[str]]:
    """POST data naming tenant B's rows under every relation's field name."""
    every_pk = sorted({str(pk) for pks in rows.values() for pk in pks})
    data = {"pk": every_pk, "id": every_pk, "_selected_action": every_pk}
    for model in rows:
        for relation in model._meta.get_fields():
            if relation.is_relation and relation.concrete and relation.related_model in rows:
                data[relation.name] = sorted(str(pk) for pk in rows[relation.related_model])
    return data


def walk_urls(walk: Walk, world: World) -> None:
    """GET and POST (empty and with B's ids) every URL pattern, filled with B's values."""
    for chain in walked_chains():
        paths = {build_path(chain, values) for values in candidates(chain, world)}
        for path in sorted(p for p in paths if p):
            walk.walked.add(route_of(chain))
            walk.request("get", path)
            walk.request("post", path)
            walk.request("post", path, world.ids, "with B's ids")


@pytest.mark.parametrize("who", ["manager", "agent", "customer"])
def test_no_url_shows_or_changes_another_tenants_rows(who, world, request):
    person = request.getfixturevalue(who)
    walk = Walk(host_client(world.a), person)
    walk_urls(walk, world)
    unwalked = {route_of(chain) for chain in walked_chains()} - walk.walked
    assert not unwalked, f"no B value fits these URL patterns: {sorted(unwalked)}"
    assert len(walk.walked) >= 100, walk.summary()
    assert walk.requests >= 1000, walk.summary()
    walk.fail_on_problems(world)


def admin_url(model, page: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def model_choice_pks(response) -> Iterator[tuple[str, type, set]]:
    """(field name, model, offered pks) for every choice of a model on the admin form."""
    if response.status_code != 200 or not response.context or (
            "adminform" not in response.context):
        return
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        forms += [*inline.formset.forms, inline.formset.empty_form]
    for form in forms:
        for name, form_field in form.fields.items():
            if isinstance(form_field, ModelChoiceField):
                queryset = form_field.queryset
                yield name, queryset.model, set(queryset.values_list("pk", flat=True))


def check_choices(walk: Walk, world: World, response, label: str) -> None:
    for name, model, offered in model_choice_pks(response):
        foreign = offered - world.a_rows.get(model, set())
        if foreign:
            walk.problems.append(f"{label}: {name} offers {model.__name__} {sorted(foreign)}")


def filter_parameters(superuser_client: Client, model, world: World) -> Iterator[dict]:
    """Each list filter's parameters, set to B's ids and values."""
    response = superuser_client.get(admin_url(model, "changelist"))
    b_pks = world.b_rows.get(model, set())
    for spec in response.context["cl"].filter_specs:
        spec_field = getattr(spec, "field", None)
        for parameter in spec.expected_parameters():
            if parameter.endswith("__isnull"):
                values = ["True", "False"]
            elif spec_field is not None and spec_field.is_relation:
                values = sorted(world.b_rows.get(spec_field.related_model, set()))
            elif spec_field is not None:
                path = getattr(spec, "field_path", spec_field.name)
                values = sorted({str(v) for v in model._base_manager.filter(pk__in=b_pks)
                                 .values_list(path, flat=True)})
            else:
                values = [value for value, _label in spec.lookup_choices]
            for value in [*values, "a\x00"]:
                yield {parameter: value}


def walk_admin(walk: Walk, world: World, superuser_client: Client) -> None:
    """Every registered admin: lists, searches, filters, autocomplete, add and change forms,
    B's objects' pages and every action on B's rows."""
    for model in admin.site._registry:
        name = model.__name__
        walk.walked.add(f"admin {model._meta.label}")
        listing = admin_url(model, "changelist")
        walk.request("get", listing)
        for term in TERMS:
            walk.request("get", f"{listing}?{urlencode({'q': term, '_facets': '1'})}")
        for parameters_ in filter_parameters(superuser_client, model, world):
            walk.request("get", f"{listing}?{urlencode(parameters_)}")
        add = walk.request("get", admin_url(model, "add"))
        check_choices(walk, world, add, f"{name} add form")
        for pk in sorted(world.b_rows.get(model, set())):
            for page in ("change", "history", "delete"):
                response = walk.request("get", admin_url(model, page, pk))
                # The admin's "doesn't exist" redirect; 403 where the role may not do this.
                if response.status_code not in (302, 403, 404) or (
                        response.status_code == 302
                        and response["Location"] != reverse("admin:index")):
                    walk.problems.append(f"{name} {page} of B's {pk}: {response.status_code}")
            walk.request("post", admin_url(model, "delete", pk), {"post": "yes"})
        action_form = superuser_client.get(listing).context["action_form"]
        for action, _label in action_form.fields["action"].choices if action_form else ():
            if action:
                walk.request("post", listing, {
                    "action": action, "index": "0", "post": "yes",
                    "_selected_action": sorted(world.b_rows.get(model, set()))}, action)
        for pk in sorted(world.a_rows.get(model, set())):
            check_choices(walk, world, walk.request("get", admin_url(model, "change", pk)),
                          f"{name} {pk} change form")
    walk_autocomplete(walk, world)


def walk_autocomplete(walk: Walk, world: World) -> None:
    """The autocomplete endpoint for every relation of every model to a registered admin."""
    for model in apps.get_models():
        for relation in model._meta.get_fields():
            if not (relation.is_relation and relation.concrete
                    and relation.related_model in admin.site._registry):
                continue
            walk.walked.add(f"autocomplete {model._meta.label}.{relation.name}")
            for term in TERMS:
                response = walk.request("get", "/admin/autocomplete/?" + urlencode({
                    "app_label": model._meta.app_label, "model_name": model._meta.model_name,
                    "field_name": relation.name, "term": term}))
                if response.status_code == 200:
                    ids = {int(result["id"]) for result in response.json()["results"]}
                    foreign = ids & world.b_rows.get(relation.related_model, set())
                    if foreign:
                        walk.problems.append(f"autocomplete {model.__name__}.{relation.name} "
                                             f"offers B's {sorted(foreign)}")


@pytest.mark.parametrize("who", ["manager", "agent"])
def test_admin_shows_staff_nothing_of_another_tenant(who, world, superuser, request):
    walk = Walk(host_client(world.a), request.getfixturevalue(who))
    walk_admin(walk, world, host_client(None, superuser))
    assert len(admin.site._registry) >= 14
    assert {f"admin {model._meta.label}" for model in admin.site._registry} <= walk.walked
    assert len(walk.walked) >= 30, walk.summary()
    assert walk.requests >= 250, walk.summary()
    walk.fail_on_problems(world)


def test_admin_shows_a_platform_superuser_every_tenants_rows(world, superuser):
    """The walkers can see a leak: the same pages show B's markers to a platform superuser."""
    client = host_client(None, superuser)
    unseen = []
    pages = 0
    for model in admin.site._registry:
        for pk in sorted(world.planted.get(model, set())):
            pages += 1
            if MARK not in client.get(admin_url(model, "change", pk)).content.decode().lower():
                unseen.append(f"{model.__name__} {pk}")
        if model in world.planted:
            pages += 1
            if MARK not in client.get(admin_url(model, "changelist")).content.decode().lower():
                unseen.append(f"{model.__name__} list")
    assert not unseen, f"a platform superuser does not see B's markers on {unseen}"
    assert pages >= 30


def test_every_tenant_model_has_rows_to_leak(world):
    """A new tenant-owned model needs rows in ``populate`` so that the walkers try to leak
    them; every row of tenant B must carry a marker where its fields take text."""
    for model in apps.get_models():
        if has_tenant(model):
            assert world.b_rows.get(model), f"add rows of {model._meta.label} to populate()"
    assert sum(len(pks) for pks in world.planted.values()) >= 20
