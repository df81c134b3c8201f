"""Results: incremental aggregates and the scores read from them."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.results.cli import rebuild_aggregates_command
    from feedback_app.results.rollups import register_all

    app.cli.add_command(rebuild_aggregates_command)
    register_all()
