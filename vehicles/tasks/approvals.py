"""The approval chain and withdrawals, as background tasks (django-tasks; `manage.py db_worker`).

    entered_pending (after commit) ──> start_chain: one task row, whatever the number of VINs
        └─ start_approvals (worker): the platform's automatic approval where the workspace has it on;
           the Pending vehicles split per make into batches of PROVIDER_BATCH_SIZE, each with its approval round
             └─ request_enablement (worker): asks the make's provider, records each answer through the status
                machine (approve / refuse, limited to the round it was asked for: a late answer does not count);
                undecided → asked again later; transient failure → retried with backoff (run_after), and after
                PROVIDER_MAX_ATTEMPTS → Error with the reason.
    resume_stalled (called by the periodic poll, vehicles/tasks/readings.py): restarts the chain of VINs left
        Pending without any queued chain task (a lost task) for PROVIDER_RESUME_AFTER_SECONDS.

    left_enabled (after commit; not for the provider's own revocations) ──> withdraw_on_leaving: one task row
        └─ start_withdrawals (worker): the VINs per make (skipping any still Enabled or Pending in some workspace),
           in batches of PROVIDER_BATCH_SIZE
             └─ withdraw_vins (worker): the make's provider's `withdraw`; a failure is logged and retried with
                backoff, and given up (logged as an error) after PROVIDER_MAX_ATTEMPTS. Nothing changes in the
                database: the vehicle has already left Enabled.

With no worker running nothing changes by itself: the receivers only enqueue.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import task

from vehicles.choices import Actor, Event, Party, Status
from vehicles.models import Vehicle
from vehicles.providers import Decision, ProviderUnavailable, provider_for
from vehicles.status.machine import By, apply, approve, entered_pending, left_enabled, refuse
from vehicles.tasks import chunks, from_spans, scheduled, to_spans

logger = logging.getLogger(__name__)

AUTOMATIC_PLATFORM_APPROVAL = By.system("automatic platform approval")
CHAIN = By.system("approval chain")
READ_CHUNK = 5000  # ids per SELECT … IN (…)


# --- The chain


@receiver(entered_pending, dispatch_uid="vehicles.tasks.approvals.start_chain")
def start_chain(sender, vehicle_ids, **kwargs):
    """Receiver of the status machine's `entered_pending`: enqueue the chain for these vehicles (one INSERT)."""
    if vehicle_ids:
        start_approvals.enqueue(to_spans(vehicle_ids))


@task()
def start_approvals(spans):
    """Give the automatic platform approval where it is on, and ask each make's provider about the rest."""
    batch_size = settings.PROVIDER_BATCH_SIZE
    batches = defaultdict(list)  # make name → [[vehicle id, approval round], …]
    for chunk in chunks(from_spans(spans), READ_CHUNK):
        rows = Vehicle.objects.filter(pk__in=chunk, status=Status.PENDING).values_list(
            "pk", "approval_round", "make__name", "workspace__auto_platform_approval"
        )
        automatic = defaultdict(list)
        for pk, approval_round, make_name, auto in rows:
            batches[make_name or ""].append([pk, approval_round])
            if auto:
                automatic[approval_round].append(pk)
        for approval_round, ids in automatic.items():
            approve(
                Vehicle.objects.filter(pk__in=ids),
                Party.PLATFORM,
                AUTOMATIC_PLATFORM_APPROVAL,
                approval_round=approval_round,
            )
    for make_name, pairs in batches.items():
        for batch in chunks(pairs, batch_size):
            request_enablement.enqueue(make_name, batch)


def _backoff(attempt):
    base = settings.PROVIDER_RETRY_BACKOFF_SECONDS
    return min(base * 2 ** (attempt - 1), 3600)


def _later(seconds):
    return timezone.now() + timedelta(seconds=seconds) if seconds > 0 else None


def _enqueue_later(seconds, *args, **kwargs):
    run_after = _later(seconds)
    (request_enablement.using(run_after=run_after) if run_after else request_enablement).enqueue(*args, **kwargs)


@task()
def request_enablement(make_name, pairs, attempt=1, check=False):
    """Ask the provider of `make_name` about these [vehicle id, approval round] pairs and record its answers.

    `check` asks for the decision on an earlier request (the provider said it would decide later).
    """
    rounds = dict(map(tuple, pairs))
    current = [
        (pk, vin, approval_round)
        for pk, vin, approval_round in Vehicle.objects.filter(pk__in=list(rounds), status=Status.PENDING).values_list(
            "pk", "vin", "approval_round"
        )
        if rounds.get(pk) == approval_round  # a later round has its own request
    ]
    if not current:
        return {"asked": 0}
    provider = provider_for(make_name)
    vins = sorted({vin for _, vin, _ in current})
    try:
        answers = provider.enablement_status(vins) if check else provider.request_enablement(vins)
        answers = {answer.vin: answer for answer in answers}
        failure = ""
    except ProviderUnavailable as error:
        answers, failure = {}, str(error) or "provider unavailable"
    except Exception as error:  # an integration's bug must not leave VINs Pending for ever: retried, then Error
        logger.exception("Provider %s failed on an enablement request", provider.name)
        answers, failure = {}, f"unexpected provider error ({type(error).__name__}: {error})"

    approved, refused, undecided, failed = defaultdict(list), defaultdict(list), [], defaultdict(list)
    wait = 0
    for pk, vin, approval_round in current:
        answer = answers.get(vin)
        if answer is None:
            failed[(approval_round, failure or "the provider gave no answer for this VIN")].append(pk)
        elif answer.decision == Decision.APPROVED:
            approved[approval_round].append(pk)
        elif answer.decision == Decision.REFUSED:
            refused[(approval_round, answer.reason)].append(pk)
        elif answer.decision == Decision.UNDECIDED:
            undecided.append([pk, approval_round])
            wait = max(wait, answer.check_after)
        else:
            failed[(approval_round, answer.reason or "transient provider failure")].append(pk)

    by = By.provider(provider.name)
    enabled = []
    for approval_round, ids in approved.items():
        enabled += approve(Vehicle.objects.filter(pk__in=ids), Party.PROVIDER, by, approval_round=approval_round)[1]
    for (approval_round, reason), ids in refused.items():
        refuse(Vehicle.objects.filter(pk__in=ids), Party.PROVIDER, by, reason, approval_round=approval_round)
    if undecided:
        _enqueue_later(wait, make_name, undecided, attempt=attempt, check=True)

    max_attempts = settings.PROVIDER_MAX_ATTEMPTS
    retry = []
    for (approval_round, reason), ids in failed.items():
        if attempt >= max_attempts:
            apply(
                Event.REFUSE,
                Vehicle.objects.filter(pk__in=ids, approval_round=approval_round),
                CHAIN,
                reason=f"Provider {provider.name} unreachable after {attempt} attempt(s): {reason}",
            )
        else:
            retry += [[pk, approval_round] for pk in ids]
    if retry:
        _enqueue_later(_backoff(attempt), make_name, retry, attempt=attempt + 1, check=check)
    return {
        "asked": len(current),
        "approved": sum(map(len, approved.values())),
        "refused": sum(map(len, refused.values())),
        "undecided": len(undecided),
        "failed": sum(map(len, failed.values())),
        "enabled": len(enabled),
    }


def approve_pending_automatically(workspace):
    """The operator has just turned automatic platform approval on: the workspace's VINs already Pending get it
    now (one guarded update), not only those that enter Pending from here on. Returns (recorded, enabled) ids."""
    return approve(Vehicle.objects.filter(workspace=workspace), Party.PLATFORM, AUTOMATIC_PLATFORM_APPROVAL)


# --- Withdrawal: a VIN that leaves Enabled (disabled or deleted) is withdrawn from its make's provider


@receiver(left_enabled, dispatch_uid="vehicles.tasks.approvals.withdraw_on_leaving")
def withdraw_on_leaving(sender, vehicle_ids, by=None, **kwargs):
    """Receiver of the status machine's `left_enabled`: enqueue the withdrawal of these vehicles' VINs (one INSERT).

    A provider's own revocation (actor provider) is not echoed back to it.
    """
    if vehicle_ids and not (by is not None and by.actor == Actor.PROVIDER):
        start_withdrawals.enqueue(to_spans(vehicle_ids))


@task()
def start_withdrawals(spans):
    """Split the VINs of these vehicles per make into batches for their providers.

    A VIN still Enabled or Pending in some workspace (the same VIN may be in several fleets, and the provider's
    enablement is per VIN) is not withdrawn; nor is one that came back meanwhile.
    """
    batch_size = settings.PROVIDER_BATCH_SIZE
    per_make = defaultdict(set)
    for chunk in chunks(from_spans(spans), READ_CHUNK):
        rows = Vehicle.all_objects.filter(pk__in=chunk).values_list("vin", "make__name")
        for vin, make_name in rows:
            per_make[make_name or ""].add(vin)
    wanted = set()
    for vins in per_make.values():
        for chunk in chunks(sorted(vins), READ_CHUNK):
            for status in (Status.ENABLED, Status.PENDING):  # no index on every row's VIN: see Vehicle.Meta
                wanted.update(Vehicle.objects.anywhere(status, chunk).values_list("vin", flat=True))
    batches = 0
    for make_name, vins in sorted(per_make.items()):
        for batch in chunks(sorted(vins - wanted), batch_size):
            withdraw_vins.enqueue(make_name, batch)
            batches += 1
    return {"vins": sum(map(len, per_make.values())), "kept": len(wanted), "batches": batches}


@task()
def withdraw_vins(make_name, vins, attempt=1):
    """Tell the provider of `make_name` to withdraw these VINs; retried on failure, never raising."""
    provider = provider_for(make_name)
    try:
        provider.withdraw(vins)
    except NotImplementedError:
        logger.error(
            "Provider %s cannot withdraw VINs (withdraw is not implemented): %d VIN(s) left", provider.name, len(vins)
        )
        return {"withdrawn": 0, "failed": len(vins), "attempt": attempt, "gave_up": True}
    except Exception as error:
        unexpected = not isinstance(error, ProviderUnavailable)
        gave_up = attempt >= settings.PROVIDER_MAX_ATTEMPTS
        log = logger.error if gave_up else logger.warning
        log(
            "Provider %s did not withdraw %d VIN(s) (attempt %d%s): %s",
            provider.name,
            len(vins),
            attempt,
            ", giving up" if gave_up else ", will retry",
            f"unexpected error {type(error).__name__}: {error}" if unexpected else error,
            exc_info=unexpected,
        )
        if not gave_up:
            run_after = _later(_backoff(attempt))
            (withdraw_vins.using(run_after=run_after) if run_after else withdraw_vins).enqueue(
                make_name, vins, attempt=attempt + 1
            )
        return {"withdrawn": 0, "failed": len(vins), "attempt": attempt, "gave_up": gave_up}
    return {"withdrawn": len(vins), "failed": 0, "attempt": attempt, "gave_up": False}


def resume_stalled():
    """Restart the chain for VINs Pending without the provider's answer for longer than PROVIDER_RESUME_AFTER_SECONDS
    while no chain task is queued (their task was lost: a crashed worker, a purged queue). Returns how many."""
    if scheduled(start_approvals, request_enablement):
        return 0
    before = timezone.now() - timedelta(seconds=settings.PROVIDER_RESUME_AFTER_SECONDS)
    ids = list(
        Vehicle.objects.filter(
            status=Status.PENDING, provider_approved_at__isnull=True, status_changed_at__lt=before
        ).values_list("pk", flat=True)
    )
    if ids:
        start_approvals.enqueue(to_spans(ids))
    return len(ids)
