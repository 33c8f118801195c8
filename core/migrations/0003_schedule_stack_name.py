from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_automation"),
    ]

    operations = [
        migrations.AddField(
            model_name="schedule",
            name="stack_name",
            field=models.CharField(
                blank=True,
                help_text="Set: the action applies to this compose stack.",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="schedulerun",
            name="stack_name",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
