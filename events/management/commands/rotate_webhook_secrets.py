"""`manage.py rotate_webhook_secrets`: re-encrypt every webhook secret with the current WEBHOOK_SECRET_KEY.

After changing WEBHOOK_SECRET_KEY (or SECRET_KEY, when it is derived from it), list the former value in
WEBHOOK_SECRET_KEYS_OLD, run this, then drop the former value. The secrets themselves do not change: receivers
keep verifying with the ones they hold.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from events.models import Webhook
from events.secrets import rotate


class Command(BaseCommand):
    help = "Re-encrypt the webhook secrets with the current WEBHOOK_SECRET_KEY."

    def handle(self, *args, **options):
        count = 0
        with transaction.atomic():
            for webhook in Webhook.objects.select_for_update().only("pk", "secret_encrypted"):
                Webhook.objects.filter(pk=webhook.pk).update(secret_encrypted=rotate(webhook.secret_encrypted))
                count += 1
        self.stdout.write(f"{count} webhook secret{'s' if count != 1 else ''} re-encrypted with the current key.")
