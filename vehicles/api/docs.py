"""The API's reference pages (Swagger UI and Redoc, served from drf-spectacular-sidecar, no CDN) and the
downloadable Postman collection."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from vehicles.api.postman import build_collection

# The reference pages load nothing from outside this server (Redoc's "powered by" logo included).
LOCAL_ONLY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


class LocalOnly:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = LOCAL_ONLY
        return response


class SwaggerView(LocalOnly, SpectacularSwaggerView):
    template_name = "api/docs.html"


class RedocView(LocalOnly, SpectacularRedocView):
    template_name = "api/redoc.html"


@require_GET
def postman_collection(request):
    response = JsonResponse(build_collection(request.build_absolute_uri("/")), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="fleet-api.postman_collection.json"'
    return response
