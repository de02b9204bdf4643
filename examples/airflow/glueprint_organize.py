"""Daily CleverTap export → lake → Glue, one Airflow task per event.

Each mapped task runs `glueprint organize --apply` for one event: it copies that event's new
exports into the lake layout (decompressing `.parquet.gzip`) and registers the new partitions
of its declared table. Dynamic task mapping spreads the events over the workers, and one
failing event does not stop the others.

Configure with Airflow Variables (or edit the defaults below):
  glueprint_raw       s3://exports/clevertap/   where CleverTap drops its files
  glueprint_lake      s3://lake/clevertap/      the lake root declared in catalogs/
  glueprint_events    JSON list of event names, e.g. ["App Launched", "Charged"]
  glueprint_catalogs  path to the repository's catalogs/ folder on the workers
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from airflow.decorators import dag, task
from airflow.models import Variable
from airflow.operators.bash import BashOperator


@dag(
    schedule="0 6 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["glueprint", "clevertap"],
)
def glueprint_organize():
    @task
    def events() -> list[str]:
        return json.loads(Variable.get("glueprint_events", default_var='["App Launched", "Charged"]'))

    @task
    def commands(event_names: list[str], ds_nodash: str | None = None) -> list[str]:
        raw = Variable.get("glueprint_raw", default_var="s3://exports/clevertap/")
        lake = Variable.get("glueprint_lake", default_var="s3://lake/clevertap/")
        catalogs = Variable.get("glueprint_catalogs", default_var="/opt/glueprint/catalogs")
        # Exports for a day can arrive on the next: organize the last two days, idempotently.
        since = (datetime.strptime(ds_nodash, "%Y%m%d") - timedelta(days=1)).strftime("%Y%m%d")
        return [
            "glueprint organize"
            f" --from {raw} --to {lake} --since {since}"
            f" --catalogs {catalogs} --catalog glue --apply --yes"
            f" '{name}'"
            for name in event_names
        ]

    BashOperator.partial(task_id="organize_event").expand(
        bash_command=commands(events())
    )


glueprint_organize()
