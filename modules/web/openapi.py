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
from core.api import NOTHING

OPERATIONS = ("read", "create", "write", "delete")
PROBLEM = {"$ref": "#/components/schemas/Problem"}


def describe(model):
    """The first paragraph of the model's own docstring: its defining class's, not an extension's."""
    own = [klass for klass in model.__mro__ if vars(klass).get("_name") == model._name and klass.__doc__]
    doc = (own[-1].__doc__ if own else next((k.__doc__ for k in model.__mro__ if k.__doc__), "")) or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def _nullable(kind):
    return [kind, "null"]


def _may_be_null(field, mode):
    """Whether the field's value may be null: in answers, unless the database refuses it; in input, unless
    the field must be given."""
    if isinstance(field, (kfields.One2Many, kfields.Many2Many)):
        return False
    return not (field.required and field.stored)


def _exactly(prop, nullable):
    """``prop`` with ``null`` among its types only when ``nullable``; enums without null (a null enum is
    ``anyOf`` the enum and null, which generators read as an optional enum)."""
    prop.pop("default", None)
    kind = prop.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = prop["type"] = kinds[0] if len(kinds) == 1 else kinds
    if "enum" in prop:
        values = [v for v in prop.pop("enum") if v is not None]
        description = prop.pop("description", None)
        enum = {**prop, "type": "string", "enum": values}
        prop = {"anyOf": [enum, {"type": "null"}]} if nullable else enum
        if description:
            prop["description"] = description
        return prop
    if nullable and kind is not None:
        prop["type"] = [*(kind if isinstance(kind, list) else [kind]), "null"]
    return prop


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
        prop = {"type": "integer", "minimum": 1, "maximum": kschema.INTEGER_RANGE[1],
                "description": f"{described}: the id of a {target}"}
    elif isinstance(marshmallow_field, kschema.AnyReference):
        prop = {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*,[0-9]+$",
                "description": f"{described}: 'model,id'"}
    elif isinstance(marshmallow_field, kschema.Children):
        if mode == "read":
            prop = {"type": "array", "items": {"type": "integer"}, "description": f"{described}: ids of {target}"}
        elif mode == "create":
            prop = {"type": "array", "items": _ref(f"{target}.create"),
                    "description": f"{described}: the {target} records to create with this one"}
        else:
            prop = {"type": "array", "items": {"oneOf": [_ref(f"{target}.{action}") for action in ACTIONS]},
                    "description": f"{described}: actions [\"create\", [objects]], [\"write\", [ids], object], "
                                   f"[\"delete\", [ids]]"}
    elif isinstance(marshmallow_field, kschema.Links):
        if mode == "write":
            prop = {"type": "array", "items": _ref("LinkAction"),
                    "description": f"{described}: actions [\"add\" | \"remove\" | \"set\", [ids of {target}]]"}
        else:
            prop = {"type": "array", "items": {"type": "integer", "minimum": 1},
                    "description": f"{described}: ids of {target}"}
    elif isinstance(marshmallow_field, kschema.Decimal) and getattr(marshmallow_field, "as_string", False):
        prop = {"type": "string", "format": "decimal",
                "description": f"{described}: a decimal number, written as a string"}
    else:
        prop.setdefault("description", described)
    if field.help:
        prop["description"] = f"{prop['description']}. {field.help}"
    prop = _exactly(prop, _may_be_null(field, mode) and not isinstance(
        marshmallow_field, (kschema.Children, kschema.Links)))
    if mode == "read" and field.readonly:
        prop["readOnly"] = True
    return prop


ACTIONS = ("create_action", "write_action", "delete_action")


def _action_schemas(name):
    """The three One2Many actions of ``PATCH`` on children of model ``name``, as typed tuples."""
    ids = {"type": "array", "items": {"type": "integer", "minimum": 1}}
    return {
        f"{name}.create_action": {"type": "array", "prefixItems": [{"const": "create"}, {
            "type": "array", "items": _ref(f"{name}.create")}], "minItems": 2, "maxItems": 2,
            "description": f'["create", [objects]]: new {name} records'},
        f"{name}.write_action": {"type": "array", "prefixItems": [{"const": "write"}, ids, _ref(f"{name}.write")],
                                 "minItems": 3, "maxItems": 3,
                                 "description": f'["write", [ids], object]: change these {name} records'},
        f"{name}.delete_action": {"type": "array", "prefixItems": [{"const": "delete"}, ids], "minItems": 2,
                                  "maxItems": 2, "description": f'["delete", [ids]]: delete these {name} records'},
    }


def _required(model, field_name, field, children):
    """Whether a create body must give the field: required, with no default and not completed by the model.

    A child's link to its parent is not (given inline, the parent sets it).
    """
    if not (field.required and field.stored) or field.readonly or field.default is not None:
        return False
    if hasattr(model, f"default_{field_name}") or field_name in completed(model):
        return False
    return (model._name, field_name) not in children


def completed(model):
    """The fields the model's ``_complete`` fills when left out (``_completed`` of its classes)."""
    return frozenset().union(*(vars(klass).get("_completed", ()) for klass in model.__mro__))


def _schemas(converter, name, model, children):
    fields = model.fields
    record = {"type": "object", "description": describe(model),
              "properties": {"id": {"type": "integer", "readOnly": True}}, "required": ["id", *fields]}
    record["properties"].update((n, _property(converter, model, n, f, "read")) for n, f in fields.items())
    result = {name: record}
    for mode in ("create", "write"):
        schema = result[f"{name}.{mode}"] = {
            "type": "object", "additionalProperties": False,
            "description": f"The values to {mode} a {name} with (defaults fill the others).",
            "properties": {n: _property(converter, model, n, f, mode) for n, f in fields.items() if not f.readonly}}
        required = [n for n, f in fields.items() if mode == "create" and _required(model, n, f, children)]
        if required:
            schema["required"] = required
    result.update(_action_schemas(name))
    return result


def _responses(*statuses):
    texts = {400: "Malformed request", 401: "No valid API key", 403: "Not allowed for this user",
             404: "Unknown model, method or record", 409: "Not allowed in the record's state",
             413: "Body too large", 415: "Body not sent as application/json",
             422: "Refused data: `errors` by path", 503: "Database busy or unavailable"}
    return {str(s): {"description": texts[s], "content": {"application/problem+json": {"schema": PROBLEM}}}
            for s in statuses}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema):
    return {"application/json": {"schema": schema}}


def _parameter(converter, field):
    if isinstance(field, kfields.Many2One):
        prop = {"type": ["integer", "null"], "minimum": 1, "description": f"the id of a {field.target}"}
    else:
        prop = _exactly(converter.field2property(field.schema_field()), True)
    prop["description"] = f"{field.string or field.name}" + (f". {field.help}" if field.help else "")
    if field.required and isinstance(prop.get("type"), list):   # a required parameter is given, and not null
        types = [t for t in prop["type"] if t != "null"]
        prop["type"] = types[0] if len(types) == 1 else types
    return prop


def _method_schema(converter, model, exposed):
    properties, required = {}, []
    if exposed.records:
        properties["ids"] = {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1},
                             "description": f"the {model._name} records to act on"}
        required.append("ids")
    for name, field in exposed.params.items():
        properties[name] = _parameter(converter, field)
        if field.required:   # given, and not null
            required.append(name)
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _result_schema(converter, exposed):
    """What ``{"result": …}`` holds, as the method declares it (``core.expose(returns=…)``)."""
    returns = exposed.returns
    if returns is None:
        return {"description": "Any JSON value: records as {model, id}"}
    if returns == NOTHING:
        return {"type": "null", "description": "Nothing: read the records again to see what changed"}
    if isinstance(returns, str):
        return {"type": "array", "items": _ref("RecordRef"), "description": f"{returns} records"}
    if isinstance(returns, kfields.Field):
        return _parameter(converter, returns)
    row = {"type": "object", "required": list(returns),
           "properties": {key: _parameter(converter, field) for key, field in returns.items()}}
    return {"type": "array", "items": row}


def document(pool, modules, max_limit, default_limit):
    """The OpenAPI document (a dict) of ``pool``'s models."""
    plugin = MarshmallowPlugin()
    spec = APISpec(title="Kitwork", version="1", openapi_version="3.1.0", plugins=[plugin], info={
        "description": f"The JSON API of a Kitwork database with the modules {', '.join(modules)}. "
                       f"Authenticate with 'Authorization: Bearer <key>' (kitwork user add). Errors are "
                       f"application/problem+json (RFC 9457)."})
    converter = plugin.converter
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in COMMON_SCHEMAS.items():
        spec.components.schema(name, copy.deepcopy(schema))
    children = {(field.target, field.field) for model in pool.models.values()
                for field in model.fields.values() if isinstance(field, kfields.One2Many)}
    security = [{"bearer": []}]
    spec.path("/api/models", operations={"get": {
        "summary": "The active models, the user's rights on each and the methods each publishes",
        "operationId": "models", "security": security,
        "responses": {"200": {"description": "Models", "content": _json({"type": "array", "items": _ref(
            "ModelInfo")})}, **_responses(401)}}})
    for name, model in sorted(pool.models.items()):
        for schema_name, schema in _schemas(converter, name, model, children).items():
            spec.components.schema(schema_name, copy.deepcopy(schema))
        _model_paths(spec, converter, name, model, max_limit, default_limit)
    _resource_paths(spec, pool)
    for path, summary in (("/healthz", "The process answers"),
                          ("/readyz", "The database answers and no migration is pending")):
        spec.path(path, operations={"get": {
            "summary": summary, "operationId": path.strip("/"), "security": [], "tags": ["operations"],
            "responses": {"200": {"description": "Ready", "content": _json(_ref("Status"))},
                          **({"503": _responses(503)["503"]} if path == "/readyz" else {})}}})
    spec.path("/api/openapi.json", operations={"get": {
        "summary": "This document", "operationId": "openapi", "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1", "content": _json({"type": "object"})}}}})
    return spec.to_dict()


SECURITY = [{"bearer": []}]
COMMON_SCHEMAS = {
    "Problem": {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
        "type": {"type": "string", "description": "/problems/validation, /problems/workflow, /problems/access, "
                                                  "/problems/not-found, /problems/conflict, /problems/malformed, …"},
        "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                   "description": "messages by path: [0].lines[2].quantity"}}},
    "RecordRef": {"type": "object", "required": ["model", "id"], "description": "A record a method returns",
                  "properties": {"model": {"type": "string"}, "id": {"type": "integer"}}},
    "LinkAction": {"type": "array", "prefixItems": [{"type": "string", "enum": ["add", "remove", "set"]}, {
        "type": "array", "items": {"type": "integer", "minimum": 1}}], "minItems": 2, "maxItems": 2,
        "description": '["add" | "remove" | "set", [ids]]'},
    "ModelInfo": {"type": "object", "required": ["name", "description", "access", "methods"], "properties": {
        "name": {"type": "string"}, "description": {"type": "string"},
        "access": {"type": "object", "additionalProperties": {"type": "boolean"}},
        "methods": {"type": "array", "items": {"type": "string"}}}},
    "Status": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}},
               "additionalProperties": True},
    "Quantities": {"type": "object", "required": ["on_hand", "forecast", "by_warehouse"], "properties": {
        "on_hand": {"type": "number"}, "forecast": {"type": "number"},
        "by_warehouse": {"type": "object", "description": "by warehouse id", "additionalProperties": {
            "type": "object", "required": ["on_hand", "forecast"],
            "properties": {"on_hand": {"type": "number"}, "forecast": {"type": "number"}}}}}},
}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {
    "type": "string", "minLength": 1, "maxLength": 255},
    "description": "Repeating the request with the same key within 24 hours answers the first response"}
LIST_HEADERS = {
    "X-Total-Count": {"description": "How many records match", "schema": {"type": "integer"}},
    "Link": {"description": 'The next page: <URL>; rel="next" (absent on the last page)', "schema": {"type": "string"}},
}


def _model_paths(spec, converter, name, model, max_limit, default_limit):
    """``/api/M``, ``/api/M/{id}`` and ``/api/M/<method>`` of one model."""
    json_query = {"type": "string", "description": "JSON"}
    spec.path(f"/api/{name}", operations={
        "get": {"summary": f"Search {name}", "description": describe(model), "operationId": f"{name}.search",
                "tags": [name], "security": SECURITY, "parameters": [
                    {"name": "domain", "in": "query", "schema": json_query,
                     "description": 'A JSON list of [field, operator, value], nested ["OR", …] / ["AND", …]: '
                                    '[["state", "=", "draft"]]'},
                    {"name": "order", "in": "query", "schema": json_query,
                     "description": 'A JSON list of [field, "ASC" or "DESC"]'},
                    {"name": "limit", "in": "query", "schema": {
                        "type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                    {"name": "fields", "in": "query", "schema": {"type": "string"},
                     "description": "Comma-separated fields (dotted through Many2One: party.name) to answer "
                                    "instead of the whole records"}],
                "responses": {"200": {"description": f"The matching {name} records", "headers": LIST_HEADERS,
                                      "content": _json({"type": "array", "items": _ref(name)})},
                              **_responses(400, 401, 403, 404)}},
        "post": {"summary": f"Create {name} records", "operationId": f"{name}.create", "tags": [name],
                 "security": SECURITY, "parameters": [IDEMPOTENCY], "requestBody": {
                     "required": True, "content": _json({"type": "array", "minItems": 1,
                                                         "items": _ref(f"{name}.create")})},
                 "responses": {"201": {"description": "The created records",
                                       "content": _json({"type": "array", "items": _ref(name)})},
                               **_responses(400, 401, 403, 404, 409, 413, 415, 422, 503)}}})
    id_parameter = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    spec.path(f"/api/{name}/{{id}}", parameters=id_parameter, operations={
        "get": {"summary": f"Read one {name}", "operationId": f"{name}.read", "tags": [name],
                "security": SECURITY, "responses": {"200": {"description": "The record",
                                                            "content": _json(_ref(name))},
                                                    **_responses(401, 403, 404)}},
        "patch": {"summary": f"Write one {name}", "operationId": f"{name}.write", "tags": [name],
                  "security": SECURITY, "requestBody": {"required": True, "content": _json(_ref(f"{name}.write"))},
                  "responses": {"200": {"description": "The record", "content": _json(_ref(name))},
                                **_responses(400, 401, 403, 404, 409, 413, 415, 422, 503)}},
        "delete": {"summary": f"Delete one {name}", "operationId": f"{name}.delete", "tags": [name],
                   "security": SECURITY, "responses": {"204": {"description": "Deleted"},
                                                       **_responses(401, 403, 404, 409, 422, 503)}}})
    for method, exposed in sorted(model.exposed_methods.items()):
        result = {"type": "object", "required": ["result"], "properties": {
            "result": _result_schema(converter, exposed)}}
        spec.path(f"/api/{name}/{method}", operations={"post": {
            "summary": f"{name}.{method}" + (f" ({exposed.access} right)"),
            "description": exposed.doc, "operationId": f"{name}.{method}", "tags": [name],
            "security": SECURITY, "parameters": [IDEMPOTENCY],
            "requestBody": {"required": exposed.records, "content": _json(_method_schema(converter, model, exposed))},
            "responses": {"200": {"description": "What the method returns", "content": _json(result)},
                          **_responses(400, 401, 403, 404, 409, 413, 415, 422, 503)}}})


def _resource_paths(spec, pool):
    """The routes of :mod:`modules.web.resources` whose models are active."""
    id_parameter = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    if "account.invoice" in pool.models:
        spec.path("/api/account.invoice/{id}/pdf", parameters=id_parameter, operations={"get": {
            "summary": "The invoice as a PDF", "operationId": "account.invoice.pdf", "tags": ["account.invoice"],
            "security": SECURITY, "responses": {
                "200": {"description": "The PDF", "content": {"application/pdf": {
                    "schema": {"type": "string", "format": "binary"}}}}, **_responses(401, 403, 404)}}})
    if "stock.move" in pool.models:
        spec.path("/api/product.product/{id}/quantities", parameters=id_parameter, operations={"get": {
            "summary": "The product's stock on hand and forecast", "operationId": "product.product.quantities",
            "tags": ["product.product"], "security": SECURITY, "parameters": [
                {"name": "warehouse", "in": "query", "schema": {"type": "integer", "minimum": 1},
                 "description": "A warehouse's id (default: every warehouse together)"},
                {"name": "date", "in": "query", "schema": {"type": "string", "format": "date"},
                 "description": "Default today"}],
            "responses": {"200": {"description": "Quantities in the product's unit",
                                  "content": _json(_ref("Quantities"))}, **_responses(400, 401, 403, 404)}}})
