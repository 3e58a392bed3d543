"""Data exchange: counting API, import and export of the EXCHANGE.md formats, avslut records.

The blueprint serves förbund staff and NNS (upload with preview and confirm, one-at-a-time avslut
records, downloads). The figures it exports come from survey/figures/, which no blueprint owns.
"""
from flask import Blueprint

bp = Blueprint("exchange", __name__, url_prefix="/data", static_folder="static",
               static_url_path="/exchange/static")

from . import corrections, routes  # noqa: E402,F401
