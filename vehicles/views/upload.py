"""The upload page (one VIN by form, many by CSV file), the import reports and the list of recent imports.

Thin views: find the workspace for the user (404 outsider, 403 viewer where a change is asked), then call the
import engine (`imports`) or the import jobs (`import_jobs`).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages.storage.base import Message
from django.core.files import File
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from fleet.access import get_workspace_for
from fleet.workers.lease import live_worker_ids
from vehicles import spreadsheet
from vehicles.choices import Status
from vehicles.importing import jobs
from vehicles.importing.csvfile import check_file, check_size, count_rows, human_size
from vehicles.importing.engine import WARNING_STATUSES, Entry, ImportRefused, Outcome, add_vehicles
from vehicles.models import ImportJob
from vehicles.status.machine import By
from vehicles.tasks import imports
from vehicles.views.forms import CsvUploadForm, OneVinForm

PROBLEMS_PER_PAGE = 200
# Multipart framing around the file: a request this much larger than the limit is refused unread.
MULTIPART_SLACK = 64 * 1024


def _vary(response):
    patch_vary_headers(response, ["HX-Request"])
    return response


def _upload_page(
    request, workspace, membership, *, vin_form=None, csv_form=None, status=200, added=None, eligibility=None
):
    context = {
        "workspace": workspace,
        "membership": membership,
        "vin_form": vin_form or OneVinForm(),
        "csv_form": csv_form or CsvUploadForm(),
        "max_size": human_size(settings.UPLOAD_MAX_BYTES),
        "background_rows": settings.UPLOAD_BACKGROUND_ROWS,
        "added": added,
        "eligibility": eligibility,  # the answer of `Check eligibility` (vehicles/views/eligibility.py)
    }
    fragment = "eligibility" if eligibility is not None else "one-vin"
    template = f"vehicles/upload.html#{fragment}" if request.htmx else "vehicles/upload.html"
    return _vary(render(request, template, context, status=status))


@login_required
@require_GET
def upload(request, slug):
    workspace, membership = get_workspace_for(request.user, slug, write=True)
    return _upload_page(request, workspace, membership)


@login_required
@require_POST
def upload_vin(request, slug):
    """One VIN by form: through the same engine as a file, reported at once."""
    workspace, membership = get_workspace_for(request.user, slug, write=True)
    form = OneVinForm(request.POST)
    if not form.is_valid():
        return _upload_page(request, workspace, membership, vin_form=form, status=400 if not request.htmx else 200)
    data = form.cleaned_data
    entry = Entry(
        vin=data["vin"],
        odometer=data["odometer"],
        odometer_unit=data["odometer_unit"],
        name=data["name"],
        license_plate=data["license_plate"],
        labels=data["labels"],
    )
    [result] = add_vehicles(workspace, [entry], By.manager(request.user))
    if result.outcome not in (Outcome.ADDED, Outcome.READDED):
        form.add_error("vin", result.reason)
        return _upload_page(request, workspace, membership, vin_form=form, status=400 if not request.htmx else 200)
    verb = "added again (it had been deleted)" if result.outcome == Outcome.READDED else "added"
    message = f"VIN {result.entry.vin} {verb}: its status is {result.status.capitalize()}."
    if request.htmx:
        return _upload_page(request, workspace, membership, added=[Message(messages.SUCCESS, message)])
    messages.success(request, message)
    return redirect("vehicles:upload", slug=workspace.slug)


def _open_upload(upload):
    """A binary file object for an uploaded file, without reading it into memory."""
    if hasattr(upload, "temporary_file_path"):
        return open(upload.temporary_file_path(), "rb")  # noqa: SIM115 — closed by the caller
    upload.file.seek(0)
    return upload.file


@login_required
@require_POST
def upload_csv(request, slug):
    """A CSV file: refused at the door if it cannot be one, imported here if small, else by the worker."""
    workspace, membership = get_workspace_for(request.user, slug, write=True)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # a malformed header: the size is checked again as the file is read
    try:
        # Before request.FILES is touched: nothing of an oversized body is read.
        check_size(length - MULTIPART_SLACK if length > MULTIPART_SLACK else None)
    except ImportRefused as refused:
        form = CsvUploadForm()
        form.errors["file"] = form.error_class([str(refused)])
        return _upload_page(request, workspace, membership, csv_form=form, status=413)
    form = CsvUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, workspace, membership, csv_form=form, status=400)
    upload_file = form.cleaned_data["file"]
    binary = None
    job = ImportJob(
        workspace=workspace, created_by=request.user, source=ImportJob.Source.CSV, filename=upload_file.name[:255]
    )
    try:
        check_size(upload_file.size)
        binary = _open_upload(upload_file)
        check_file(binary)
        rows = count_rows(binary)
        job.total_rows = rows
        job.save()
        if rows > settings.UPLOAD_BACKGROUND_ROWS:
            job.file.save(f"{job.pk}.csv", File(binary), save=True)
            imports.enqueue(job)
            return redirect("vehicles:import", slug=workspace.slug, job_id=job.pk)
        jobs.run(job, binary, By.manager(request.user), total_rows=rows)
        if job.state == ImportJob.State.REFUSED:
            raise ImportRefused(job.error)
    except ImportRefused as refused:
        form.add_error("file", str(refused))
        return _upload_page(request, workspace, membership, csv_form=form, status=400)
    finally:
        if binary is not None and binary is not upload_file.file:
            binary.close()
    return redirect("vehicles:import", slug=workspace.slug, job_id=job.pk)


@login_required
@require_GET
def import_list(request, slug):
    workspace, membership = get_workspace_for(request.user, slug)
    jobs = list(ImportJob.objects.filter(workspace=workspace).select_related("created_by")[:50])
    for job in jobs:
        outcomes = job.counts.get("outcomes") if job.state == ImportJob.State.COMPLETED else None
        job.added_count = outcomes[Outcome.ADDED] + outcomes[Outcome.READDED] if outcomes else None
        job.problem_count = sum(outcomes[name] for name in Outcome.PROBLEMS) if outcomes else None
    return render(request, "vehicles/imports.html", {"workspace": workspace, "membership": membership, "jobs": jobs})


def _job_context(workspace, membership, job, page_number=None):
    processed, _ = jobs.read_progress(job)
    total = job.total_rows or 0
    context = {
        "workspace": workspace,
        "membership": membership,
        "job": job,
        "processed": processed,
        "total": total,
        "percent": min(100, round(100 * processed / total)) if total else 0,
        "stalled": jobs.is_stalled(job),
        "stall_seconds": settings.IMPORT_STALL_SECONDS,
        "lost_after": settings.WORKER_LOST_AFTER_SECONDS,
        "can_retry": membership.can_manage and jobs.can_retry(job),
        "finished": job.state in (ImportJob.State.COMPLETED, ImportJob.State.REFUSED, ImportJob.State.FAILED),
    }
    if not context["finished"]:
        context["workers_alive"] = bool(live_worker_ids())
    if job.state == ImportJob.State.COMPLETED:
        outcomes = job.counts.get("outcomes", {})
        statuses = job.counts.get("statuses", {})
        context["outcome_rows"] = [(Outcome.LABELS[name], name, outcomes.get(name, 0)) for name in Outcome.ALL]
        context["status_rows"] = [(label, value, statuses.get(value, 0)) for value, label in Status.choices]
        context["not_added"] = sum(outcomes.get(name, 0) for name in Outcome.PROBLEMS)
        context["warnings"] = sum(statuses.get(status, 0) for status in WARNING_STATUSES)
        context["problem_total"] = context["not_added"] + context["warnings"]
        paginator = Paginator(job.problems.all(), PROBLEMS_PER_PAGE)
        context["problems"] = paginator.get_page(page_number)
        for problem in context["problems"]:
            problem.label = Outcome.label(problem.outcome, problem.status)
    return context


@login_required
@require_GET
def import_detail(request, slug, job_id):
    """The report of one import; while it runs, a progress bar that HTMX polls (the `status` fragment)."""
    workspace, membership = get_workspace_for(request.user, slug)
    job = get_object_or_404(ImportJob, pk=job_id, workspace=workspace)
    context = _job_context(workspace, membership, job, request.GET.get("page"))
    template = "vehicles/import.html#status" if request.htmx else "vehicles/import.html"
    return _vary(render(request, template, context))


@login_required
@require_GET
def import_problems_csv(request, slug, job_id):
    workspace, _ = get_workspace_for(request.user, slug)
    job = get_object_or_404(ImportJob, pk=job_id, workspace=workspace)
    header, rows = jobs.problem_csv(job)
    return spreadsheet.csv_response(header, rows, jobs.problem_csv_name(job))


@login_required
@require_POST
def import_retry(request, slug, job_id):
    workspace, _ = get_workspace_for(request.user, slug, write=True)
    job = get_object_or_404(ImportJob, pk=job_id, workspace=workspace)
    if not jobs.can_retry(job):
        messages.error(request, "This import is not stopped: only a failed or stalled import can be retried.")
    elif not job.file:
        messages.error(request, "The uploaded file is no longer there: upload it again.")
    else:
        imports.enqueue(job)
        messages.success(request, "The import will run again; nothing from the stopped run was kept.")
    response = redirect("vehicles:import", slug=workspace.slug, job_id=job.pk)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = request.build_absolute_uri(
            redirect("vehicles:import", slug=workspace.slug, job_id=job.pk).url
        )
    return response
