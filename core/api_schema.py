"""OpenAPI schema hooks (drf-spectacular)."""


def no_nul_in_query_strings(result, generator, request, public):
    """Django's form fields refuse a NUL character ("Le caractère nul n'est pas autorisé.",
    400): every free-text query parameter says so in the schema, so that a client (and the
    schema fuzzer) knows such a value is not a valid request rather than one wrongly refused."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if (
                    parameter.get("in") == "query"
                    and schema.get("type") == "string"
                    and not {"enum", "format", "pattern"} & set(schema)
                ):
                    schema["pattern"] = "^[^\\x00]*$"
    return result
