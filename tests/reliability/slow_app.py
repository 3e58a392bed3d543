"""Test-only app factory for gunicorn: while the file named by FINSAM_SLOW_SEND exists, a submit
stops INSIDE its transaction (after the draft is claimed and the response row written, before its
answers), writes the worker's pid next to the file and sleeps, so a test can SIGKILL that worker
mid-send. Never used outside tests/reliability."""
import os
import time

from sqlalchemy import event

from survey import create_app
from survey.extensions import db


def create():
    app = create_app()
    flag = os.environ["FINSAM_SLOW_SEND"]
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def stall_inside_send(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ANSWER") and os.path.exists(flag):
            with open(flag + ".pid", "w") as fh:
                fh.write(str(os.getpid()))
            time.sleep(60)

    return app
