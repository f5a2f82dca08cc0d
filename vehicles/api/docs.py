"""The API's reference pages (Swagger UI and Redoc, served from drf-spectacular-sidecar, no CDN) and the
downloadable Postman collection."""

from csp.constants import SELF, UNSAFE_INLINE
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from vehicles.api.postman import build_collection

# The site's Content-Security-Policy (settings.CONTENT_SECURITY_POLICY: scripts from this server only, no inline
# script), loosened for styles alone: Swagger UI and Redoc (styled-components) write style elements and
# attributes at run time. Redoc parses the schema in a worker made from a blob: URL and draws fonts from data:.
DOCS_POLICY = {
    "style-src": [SELF, UNSAFE_INLINE],
    "worker-src": [SELF, "blob:"],
    "font-src": [SELF, "data:"],
}


class LocalOnly:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response._csp_replace = DOCS_POLICY  # read by django-csp's middleware
        return response


class SwaggerView(LocalOnly, SpectacularSwaggerSplitView):
    """Swagger UI; its set-up script is served from this same URL with ?script, so the page has no inline script."""

    template_name = "api/docs.html"


class RedocView(LocalOnly, SpectacularRedocView):
    template_name = "api/redoc.html"


@require_GET
def postman_collection(request):
    response = JsonResponse(build_collection(request.build_absolute_uri("/")), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="fleet-api.postman_collection.json"'
    return response
