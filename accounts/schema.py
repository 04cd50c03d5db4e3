"""OpenAPI security schemes for the authentication classes (loaded by AccountsConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "sf_<prefix>_<secret>",
            "description": "An organization API key: `Authorization: Bearer sf_…`.",
        }


class OtpSessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.OrganizationSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "A browser session signed in at /api/auth/login/ with an OTP code; "
            "writes need the CSRF token.",
        }
