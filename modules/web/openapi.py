"""The OpenAPI 3.1 document of a database's active models and published methods.

Built with apispec from each composed model's marshmallow schema
(:attr:`core.Model.schema`), so a third-party module's models, fields and
methods appear without any code of theirs.  Each model ``M`` gets three
schemas: ``M`` (a record as the API returns it), ``M.create`` and ``M.write``
(what ``POST`` and ``PATCH`` take: the writable fields); and paths
``/api/M``, ``/api/M/{id}`` and ``/api/M/<method>`` for each method it
publishes (:attr:`core.Model.exposed_methods`).
"""
import copy

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from core import fields as kfields
from core import schema as kschema

OPERATIONS = ("read", "create", "write", "delete")
PROBLEM = {"$ref": "#/components/schemas/Problem"}


def describe(model):
    """The first sentence of a model's docstring."""
    doc = next((klass.__doc__ for klass in model.__mro__ if klass.__doc__), "") or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def _nullable(kind):
    return [kind, "null"]


def _property(converter, model, name, field, mode):
    """The JSON schema of one field, for ``mode`` ``read``, ``create`` or ``write``."""
    marshmallow_field = model.schema.fields[name]
    prop = converter.field2property(marshmallow_field)
    prop.pop("readOnly", None)
    for bound in ("minimum", "maximum"):   # apispec copies Decimal bounds as strings
        if bound in prop:
            prop[bound] = float(prop[bound])
    described = field.string or name
    target = getattr(field, "target", None) or getattr(getattr(field, "field", None), "target", "records")
    if isinstance(marshmallow_field, kschema.Reference):
        prop = {"type": _nullable("integer"), "minimum": 1, "maximum": kschema.INTEGER_RANGE[1],
                "description": f"{described}: the id of a {target}"}
    elif isinstance(marshmallow_field, kschema.AnyReference):
        prop = {"type": _nullable("string"), "pattern": r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*,[0-9]+$",
                "description": f"{described}: 'model,id'"}
    elif isinstance(marshmallow_field, kschema.Children):
        if mode == "read":
            prop = {"type": "array", "items": {"type": "integer"}, "description": f"{described}: ids of {target}"}
        elif mode == "create":
            prop = {"type": _nullable("array"), "items": {"$ref": f"#/components/schemas/{target}.create"},
                    "description": f"{described}: the {target} records to create with this one"}
        else:
            prop = {"type": _nullable("array"), "items": {"type": "array", "minItems": 2, "maxItems": 3},
                    "description": f"{described}: actions [\"create\", [objects]], [\"write\", [ids], object], "
                                   f"[\"delete\", [ids]]"}
    elif isinstance(marshmallow_field, kschema.Links):
        if mode == "write":
            prop = {"type": _nullable("array"), "items": {"type": "array", "minItems": 2, "maxItems": 2},
                    "description": f"{described}: actions [\"add\" | \"remove\" | \"set\", [ids of {target}]]"}
        else:
            prop = {"type": _nullable("array") if mode != "read" else "array",
                    "items": {"type": "integer", "minimum": 1}, "description": f"{described}: ids of {target}"}
    elif isinstance(marshmallow_field, kschema.Decimal) and getattr(marshmallow_field, "as_string", False):
        prop = {"type": _nullable("string") if mode == "read" else ["string", "number", "null"],
                "description": f"{described}: a decimal number, written as a string"}
    else:
        prop.setdefault("description", described)
    if field.help:
        prop["description"] = f"{prop['description']}. {field.help}"
    if mode == "read" and field.readonly:
        prop["readOnly"] = True
    return prop


def _schemas(converter, name, model):
    fields = model.fields
    record = {"type": "object", "description": describe(model),
              "properties": {"id": {"type": "integer", "readOnly": True}}}
    record["properties"].update((n, _property(converter, model, n, f, "read")) for n, f in fields.items())
    result = {name: record}
    for mode in ("create", "write"):
        result[f"{name}.{mode}"] = {
            "type": "object", "additionalProperties": False,
            "description": f"The values to {mode} a {name} with (defaults fill the others).",
            "properties": {n: _property(converter, model, n, f, mode) for n, f in fields.items() if not f.readonly}}
    return result


def _responses(*statuses):
    texts = {400: "Malformed request", 401: "No valid API key", 403: "Not allowed for this user",
             404: "Unknown model, method or record", 409: "Not allowed in the record's state",
             413: "Body too large", 415: "Body not sent as application/json", 422: "Refused data: `errors` by field", 503: "Database busy or unavailable"}
    return {str(s): {"description": texts[s], "content": {"application/problem+json": {"schema": PROBLEM}}}
            for s in statuses}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema):
    return {"application/json": {"schema": schema}}


def _method_schema(converter, model, exposed):
    properties, required = {}, []
    if exposed.records:
        properties["ids"] = {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1},
                             "description": f"the {model._name} records to act on"}
        required.append("ids")
    for name, field in exposed.params.items():
        marshmallow_field = field.schema_field()
        if isinstance(field, kfields.Many2One):
            prop = {"type": _nullable("integer"), "minimum": 1, "description": f"the id of a {field.target}"}
        else:
            prop = converter.field2property(marshmallow_field)
        prop["description"] = f"{field.string or name}" + (f". {field.help}" if field.help else "")
        if field.required:   # given, and not null
            required.append(name)
            if isinstance(prop.get("type"), list):
                prop["type"] = [t for t in prop["type"] if t != "null"]
                prop["type"] = prop["type"][0] if len(prop["type"]) == 1 else prop["type"]
        properties[name] = prop
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    return schema


def document(pool, modules, max_limit, default_limit):
    """The OpenAPI document (a dict) of ``pool``'s models."""
    plugin = MarshmallowPlugin()
    spec = APISpec(title="Kitwork", version="1", openapi_version="3.1.0", plugins=[plugin], info={
        "description": f"The JSON API of a Kitwork database with the modules {', '.join(modules)}. "
                       f"Authenticate with 'Authorization: Bearer <key>' (kitwork user add). Errors are "
                       f"application/problem+json (RFC 9457)."})
    converter = plugin.converter
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", {"type": "object", "required": ["title", "status", "detail"], "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}})
    security = [{"bearer": []}]
    spec.path("/api/models", operations={"get": {
        "summary": "The active models, the user's rights on each and the methods each publishes",
        "operationId": "models", "security": security,
        "responses": {"200": {"description": "Models", "content": _json({"type": "array", "items": {
            "type": "object", "properties": {
                "name": {"type": "string"}, "description": {"type": "string"},
                "access": {"type": "object", "additionalProperties": {"type": "boolean"}},
                "methods": {"type": "array", "items": {"type": "string"}}}}})}, **_responses(401)}}})
    for name, model in sorted(pool.models.items()):
        for schema_name, schema in _schemas(converter, name, model).items():
            spec.components.schema(schema_name, copy.deepcopy(schema))
        about = describe(model)
        json_query = {"type": "string", "description": "JSON"}
        spec.path(f"/api/{name}", operations={
            "get": {"summary": f"Search {name}", "description": about, "operationId": f"{name}.search",
                    "tags": [name], "security": security, "parameters": [
                        {"name": "domain", "in": "query", "schema": json_query,
                         "description": 'A JSON list of [field, operator, value]: [["state", "=", "draft"]]'},
                        {"name": "order", "in": "query", "schema": json_query,
                         "description": 'A JSON list of [field, "ASC" or "DESC"]'},
                        {"name": "limit", "in": "query", "schema": {
                            "type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit}},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
                    "responses": {"200": {"description": f"The matching {name} records",
                                          "content": _json({"type": "array", "items": _ref(name)})},
                                  **_responses(400, 401, 403, 404)}},
            "post": {"summary": f"Create {name} records", "operationId": f"{name}.create", "tags": [name],
                     "security": security, "requestBody": {"required": True, "content": _json({
                         "type": "array", "minItems": 1, "items": _ref(f"{name}.create")})},
                     "responses": {"201": {"description": "The created records",
                                           "content": _json({"type": "array", "items": _ref(name)})},
                                   **_responses(400, 401, 403, 404, 409, 413, 415, 422, 503)}}})
        id_parameter = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
        spec.path(f"/api/{name}/{{id}}", parameters=id_parameter, operations={
            "get": {"summary": f"Read one {name}", "operationId": f"{name}.read", "tags": [name],
                    "security": security, "responses": {"200": {"description": "The record",
                                                                "content": _json(_ref(name))},
                                                        **_responses(401, 403, 404)}},
            "patch": {"summary": f"Write one {name}", "operationId": f"{name}.write", "tags": [name],
                      "security": security, "requestBody": {"required": True, "content": _json(_ref(f"{name}.write"))},
                      "responses": {"200": {"description": "The record", "content": _json(_ref(name))},
                                    **_responses(400, 401, 403, 404, 409, 413, 415, 422, 503)}},
            "delete": {"summary": f"Delete one {name}", "operationId": f"{name}.delete", "tags": [name],
                       "security": security, "responses": {"204": {"description": "Deleted"},
                                                           **_responses(401, 403, 404, 409, 422, 503)}}})
        for method, exposed in sorted(model.exposed_methods.items()):
            spec.path(f"/api/{name}/{method}", operations={"post": {
                "summary": f"{name}.{method}" + (f" ({exposed.access} right)"),
                "description": exposed.doc, "operationId": f"{name}.{method}", "tags": [name],
                "security": security,
                "requestBody": {"required": exposed.records, "content": _json(_method_schema(converter, model, exposed))},
                "responses": {"200": {"description": "What the method returns: records as {model, id}",
                                      "content": _json({"type": "object", "properties": {"result": {}}})},
                              **_responses(400, 401, 403, 404, 409, 413, 415, 422, 503)}}})
    spec.path("/api/openapi.json", operations={"get": {
        "summary": "This document", "operationId": "openapi", "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1", "content": _json({"type": "object"})}}}})
    return spec.to_dict()
