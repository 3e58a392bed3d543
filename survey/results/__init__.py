"""Results: the förbund dashboard, the genuskompass and the NNS national view, with their charts
(server-rendered SVG) and CSV/Excel exports of every table."""
from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/results", static_folder="static",
               static_url_path="/results/static")


@bp.record_once
def _setup(state) -> None:
    from .. import formatting

    formatting.init_app(state.app)


from . import routes  # noqa: E402,F401
