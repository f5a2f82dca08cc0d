"""The API's reference pages (Swagger UI and Redoc, served from drf-spectacular-sidecar, no CDN) and the
downloadable Postman collection."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularSwaggerView

from .postman import build_collection


class SwaggerView(SpectacularSwaggerView):
    template_name = "api/docs.html"


@require_GET
def postman_collection(request):
    response = JsonResponse(build_collection(request.build_absolute_uri("/")), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="fleet-api.postman_collection.json"'
    return response
