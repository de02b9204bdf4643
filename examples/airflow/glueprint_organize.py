"""Daily CleverTap export → lake → Glue, one Airflow task per event (Airflow 3.x and 2.10+).

Each mapped task runs `glueprint organize --apply` for one event: it copies that event's new
exports into the lake layout (decompressing `.parquet.gzip`) and registers the new partitions
of its declared table. Dynamic task mapping spreads the events over the workers, and one
failing event does not stop the others. Re-runs and retries are safe: files already organized
are not copied again and partitions already registered are not registered again.

Configure with Airflow Variables (a Variable, or an `AIRFLOW_VAR_<NAME>` environment variable):
  glueprint_raw          s3://exports/clevertap/   where CleverTap drops its files
  glueprint_lake         s3://lake/clevertap/      the lake root declared in catalogs/
  glueprint_events       JSON list of event names, e.g. ["App Launched", "Charged"]
  glueprint_catalogs     path to the repository's catalogs/ folder on the workers
  glueprint_concurrency  files each task copies at once (default 16)
and, read when the DAG file is parsed, the environment variable GLUEPRINT_TASK_RETRIES
(default 2, ten minutes apart).
"""

from __future__ import annotations

import os
import shlex
from datetime import datetime, timedelta

try:  # Airflow 3: the task SDK
    from airflow.sdk import Variable, dag, task
except ImportError:  # Airflow 2.10+
    from airflow.decorators import dag, task
    from airflow.models import Variable

# Variable.get's default is its second parameter in both majors (named `default` in 3,
# `default_var` in 2), so it is passed by position.
DEFAULT_EVENTS = ["App Launched", "Charged"]


@dag(
    schedule="0 6 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": int(os.environ.get("GLUEPRINT_TASK_RETRIES", "2")),
        "retry_delay": timedelta(minutes=10),
    },
    tags=["glueprint", "clevertap"],
)
def glueprint_organize():
    @task
    def events() -> list[str]:
        return Variable.get("glueprint_events", DEFAULT_EVENTS, deserialize_json=True)

    # The event's name labels its mapped task in the UI and the logs instead of an index.
    @task.bash(map_index_template="{{ task.op_kwargs['event'] }}")
    def organize_event(event: str, dag_run=None) -> str:
        raw = Variable.get("glueprint_raw", "s3://exports/clevertap/")
        lake = Variable.get("glueprint_lake", "s3://lake/clevertap/")
        catalogs = Variable.get("glueprint_catalogs", "/opt/glueprint/catalogs")
        concurrency = Variable.get("glueprint_concurrency", "16")
        # Exports of a day can land on the next: the run lists and copies from the day before
        # its own, and what an earlier run organized is skipped. A run triggered by hand in
        # Airflow 3 may have no logical date: it covers the day it runs after.
        day = dag_run.logical_date or dag_run.run_after
        since = (day - timedelta(days=1)).strftime("%Y%m%d")
        return shlex.join(
            [
                "glueprint", "organize",
                "--from", raw,
                "--to", lake,
                "--since", since,
                "--catalogs", catalogs,
                "--catalog", "glue",
                "--concurrency", concurrency,
                "--apply", "--yes",
                event,
            ]
        )  # fmt: skip

    organize_event.expand(event=events())


glueprint_organize()
