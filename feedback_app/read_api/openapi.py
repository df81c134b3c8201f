"""The OpenAPI 3.0 description of the read API, served at ``/api/v1/openapi.json``."""

from __future__ import annotations

from typing import Any

_ID = {"type": "integer", "minimum": 1}


def _filters() -> list[dict[str, Any]]:
    def param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "description": description}  # fmt: skip

    return [
        param(
            "period",
            {"type": "string", "pattern": r"^\d{4}(-(Q[1-4]|S[12]|(0[1-9]|1[0-2])))?$"},
            "2025 (year), 2025-S1 (semester), 2025-Q3 (quarter) or 2025-07 (month); "
            "default: the current year. Dates are in each unit's own time zone.",
        ),
        param("date_from", {"type": "string", "format": "date"}, "Start date (instead of period)."),
        param("date_to", {"type": "string", "format": "date"}, "End date, inclusive."),
        param("unit", _ID, "A unit id: that unit and the units below it."),
        param("service_point", _ID, "A counter (loket) id."),
        param("service", _ID, "A service (jenis layanan) id."),
        param("survey_version", _ID, "A survey version id."),
        param(
            "include_flagged",
            {"type": "boolean", "default": False},
            "Count responses set aside by abuse control.",
        ),
    ]


_ERROR = {
    "description": "Error",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
            }
        }
    },
}

_PERIOD = {
    "type": "object",
    "required": ["code", "label", "start", "end"],
    "properties": {
        "code": {"type": "string"},
        "label": {"type": "string"},
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
    },
}

_IKM = {
    "type": "object",
    "required": ["respondents", "ikm", "grade", "elements"],
    "properties": {
        "respondents": {"type": "integer"},
        "ikm": {"type": "number", "nullable": True, "description": "converted IKM, 25–100"},
        "index": {"type": "number", "nullable": True, "description": "IKM on the 1–4 scale"},
        "grade": {"type": "string", "nullable": True, "enum": ["A", "B", "C", "D", None]},
        "performance": {"type": "string", "nullable": True},
        "interval_95": {
            "type": "array",
            "nullable": True,
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
        },
        "elements": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "n", "score"],
                "properties": {
                    "key": {"type": "string"},
                    "name": {"type": "string"},
                    "n": {"type": "integer"},
                    "nrr": {"type": "number", "nullable": True},
                    "score": {"type": "number", "nullable": True},
                    "grade": {"type": "string", "nullable": True},
                },
            },
        },
    },
}

_NAMED = {
    "type": "object",
    "nullable": True,
    "properties": {"id": {"type": "integer"}, "name": {"type": "string", "nullable": True}},
}


def openapi_document(server: str) -> dict[str, Any]:
    unauthorised = {"401": _ERROR}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "feedback_app read API",
            "version": "1.0.0",
            "description": (
                "Read-only access to SKM results for reporting systems. Authenticate with "
                "'Authorization: Bearer <token>' (a token from the API tokens page). A token "
                "sees its agency, or its unit subtree; anything else answers 404."
            ),
        },
        "servers": [{"url": server}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/read/organisation": {
                "get": {
                    "operationId": "organisation",
                    "summary": "The agency, its units, counters and services (within scope)",
                    "responses": {
                        "200": {
                            "description": "The organisation",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["agency", "units"],
                                        "properties": {
                                            "agency": {"type": "object"},
                                            "units": {"type": "array", "items": {"type": "object"}},
                                            "service_points": {
                                                "type": "array",
                                                "items": {"type": "object"},
                                            },
                                            "services": {
                                                "type": "array",
                                                "items": {"type": "object"},
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        **unauthorised,
                        "400": _ERROR,
                    },
                }
            },
            "/api/v1/read/responses": {
                "get": {
                    "operationId": "responses",
                    "summary": "Raw responses, oldest first, one page at a time",
                    "parameters": [
                        *_filters(),
                        {
                            "name": "cursor",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                            "description": "'next_cursor' of the previous page.",
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                            "description": "Responses per page (default 100).",
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of responses",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["items", "next_cursor", "period"],
                                        "properties": {
                                            "period": _PERIOD,
                                            "next_cursor": {"type": "string", "nullable": True},
                                            "next": {"type": "string"},
                                            "items": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "required": ["id", "submitted_at", "answers"],
                                                    "properties": {
                                                        "id": {"type": "integer"},
                                                        "submitted_at": {"type": "string"},
                                                        "local_time": {"type": "string"},
                                                        "timezone": {"type": "string"},
                                                        "unit": _NAMED,
                                                        "service_point": _NAMED,
                                                        "service": _NAMED,
                                                        "employee": _NAMED,
                                                        "survey_version_id": {"type": "integer"},
                                                        "channel": {"type": "string"},
                                                        "language": {"type": "string"},
                                                        "flagged": {"type": "boolean"},
                                                        "answers": {"type": "object"},
                                                    },
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": _ERROR,
                        **unauthorised,
                        "404": _ERROR,
                    },
                }
            },
            "/api/v1/read/scores": {
                "get": {
                    "operationId": "scores",
                    "summary": "IKM per unit and per element for a period (PermenPANRB 14/2017)",
                    "parameters": _filters(),
                    "responses": {
                        "200": {
                            "description": "Scores",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["period", "overall", "units"],
                                        "properties": {
                                            "period": _PERIOD,
                                            "scope": {"type": "string"},
                                            "weight": {"type": "string"},
                                            "overall": _IKM,
                                            "units": {"type": "array", "items": _IKM},
                                        },
                                    }
                                }
                            },
                        },
                        "400": _ERROR,
                        **unauthorised,
                        "404": _ERROR,
                    },
                }
            },
        },
    }
