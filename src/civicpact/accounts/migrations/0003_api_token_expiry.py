"""API tokens expire, and a rotation records the token it issued (docs/keys.md).

Tokens made before this migration get a full lifetime from the upgrade (CIVICPACT_API_TOKEN_DAYS), so no client
stops working on the day CivicPact is upgraded: add the column empty, fill it, then require it.
"""

from datetime import timedelta
from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def give_existing_tokens_a_lifetime(apps: Any, schema_editor: Any) -> None:
    api_token = apps.get_model("accounts", "ApiToken")
    expires_at = timezone.now() + timedelta(days=settings.CIVICPACT_API_TOKEN_DAYS)
    api_token.objects.using(schema_editor.connection.alias).filter(expires_at__isnull=True).update(
        expires_at=expires_at
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_add_capability_profile")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                null=True, help_text="When the token stops working (CIVICPACT_API_TOKEN_DAYS after it is made)."
            ),
        ),
        migrations.RunPython(give_existing_tokens_a_lifetime, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                help_text="When the token stops working (CIVICPACT_API_TOKEN_DAYS after it is made)."
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="replaced_by",
            field=models.OneToOneField(
                blank=True,
                help_text="The token a rotation issued in its place.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="replaces",
                to="accounts.apitoken",
            ),
        ),
    ]
