"""Staff start-page links, registered by each blueprint with the roles that may follow them."""
from dataclasses import dataclass

from flask import url_for
from flask_login import current_user


@dataclass(frozen=True)
class Link:
    endpoint: str
    label: object  # a lazy_gettext string
    roles: frozenset[str]


_links: list[Link] = []


def register_link(endpoint: str, label, roles) -> None:
    if all(link.endpoint != endpoint for link in _links):
        _links.append(Link(endpoint, label, frozenset(getattr(r, "value", r) for r in roles)))


def staff_links() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    return [
        {"url": url_for(link.endpoint), "label": str(link.label)}
        for link in _links if current_user.role in link.roles
    ]


def form_error_list(form) -> list[tuple[str, str]]:
    """(field id, message) pairs for the error summary, in field order."""
    return [(form[name].id, errors[0]) for name, errors in form.errors.items() if errors and name in form]


def field_attributes(field, hint: bool = False, autocomplete: str | None = None) -> dict:
    """ARIA attributes that tie a field to its hint and error message."""
    described = [f"{field.id}-hint"] if hint else []
    attrs: dict = {}
    if field.errors:
        described.append(f"{field.id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    return attrs


def init_app(app) -> None:
    app.jinja_env.globals.update(
        staff_links=staff_links, form_error_list=form_error_list, field_attributes=field_attributes,
    )
