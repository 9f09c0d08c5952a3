"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string"},
                "problems": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"record": {"type": ["integer", "null"]}, "problem": {"type": "string"}},
                    },
                },
            },
        }
    },
}
_SUMMARY = {
    "type": "object",
    "required": ["id", "name", "status", "address_form", "updated_at"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "status": {"type": "string", "enum": ["active", "restricted"]},
        "address_form": {"type": "string", "enum": ["du", "Sie", "unknown"]},
        "updated_at": {"type": "string"},
    },
}
_RECORDS = {
    "type": "object",
    "required": ["records"],
    "properties": {"records": {"type": "array", "minItems": 1, "items": {"type": "object"}}},
}
_COUNTS = {
    "type": "object",
    "properties": {
        **{name: {"type": "integer"} for name in ("created", "updated", "unchanged", "held_back")},
        "held_back_reason": {"type": "string", "description": "Why records were held back (people erased on request)."},
        "follow_up": {
            "type": "string",
            "description": "Present when the push committed but resolution after it failed.",
        },
    },
}


def _errors(*codes: int) -> dict:
    return {str(code): {"description": "Error", "content": {"application/json": {"schema": _ERROR}}} for code in codes}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _push(kind: str, what: str) -> dict:
    return {
        "post": {
            "summary": f"Push {what}; all records are imported or none",
            "parameters": [{"name": "source", "in": "query", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _RECORDS}}},
            "responses": {"201": _json(_COUNTS, f"{kind} imported"), **_errors(400, 401, 403, 422)},
        }
    }


_AUDIENCE = {
    "type": "object",
    "required": ["purpose", "channel", "contacts", "left_out"],
    "properties": {
        "purpose": {"type": "string"},
        "channel": {"type": "string", "enum": ["email", "phone", "sms", "post", "social"]},
        "contacts": {"type": "array", "items": {"type": "object"}},
        "left_out": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Kundenbild API", "version": "1"},
    "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    "security": [{"token": []}],
    "paths": {
        "/api/v1/audience": {
            "get": {
                "summary": "Everyone with a valid basis for a purpose and channel (consent gate), and who was left out",
                "parameters": [
                    {"name": "purpose", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "channel", "in": "query", "required": True, "schema": {"type": "string"}},
                ],
                "responses": {"200": _json(_AUDIENCE, "The audience"), **_errors(400, 401, 403)},
            }
        },
        "/api/v1/profiles": {
            "get": {
                "summary": "Profiles, page by page",
                "parameters": [
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "items": {"type": "array", "items": _SUMMARY},
                                "page": {"type": "integer"},
                                "per_page": {"type": "integer"},
                                "total": {"type": "integer"},
                                "pages": {"type": "integer"},
                            },
                        },
                        "A page of profiles",
                    ),
                    **_errors(400, 401, 403),
                },
            }
        },
        "/api/v1/profiles/{profile_id}": {
            "get": {
                "summary": "One profile with its golden record",
                "parameters": [{"name": "profile_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": _json(_SUMMARY, "The profile"), **_errors(401, 403, 404)},
            }
        },
        "/api/v1/contacts": _push("contacts", "contacts (the fields of 'cdp import')"),
        "/api/v1/purchases": _push("purchases", "purchases of contacts pushed before"),
        "/api/v1/openapi.json": {
            "get": {"summary": "This description", "security": [], "responses": {"200": {"description": "OpenAPI"}}}
        },
    },
}
