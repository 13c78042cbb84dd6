"""The run's figures: one structured log line and the same figures as CloudWatch metrics.

The figures come from the manifest's report views (run_metrics, run_quarantine_reasons) that
the shared SQL computes, plus what only the engine knows (files read, partitions rewritten,
seconds per step). This is the ONE place that maps report columns to metric names.
"""
import json

# CloudWatch metric name -> (run_metrics column, unit). Column names follow the file ledger's
# figures in etl/schema.ts; tests/etl/glue/job.test.ts checks them against the SQL of the report steps.
METRIC_COLUMNS = {
    "LinesRead": ("lines_read", "Count"),
    "SilverRowsAdded": ("silver_rows_added", "Count"),
    "DuplicatesDropped": ("duplicates_dropped", "Count"),
    "RecordsQuarantined": ("records_quarantined", "Count"),
    "CorruptFiles": ("corrupt_files", "Count"),
}
# Figures the engine measures itself (the SQL never sees them).
FILES_READ_METRIC = "FilesRead"
RUN_SECONDS_METRIC = "RunSeconds"

# run_quarantine_reasons: one row per reason.
REASON_COLUMN = "reason"
REASON_COUNT_COLUMN = "records"

METRICS_VIEW = "run_metrics"
REASONS_VIEW = "run_quarantine_reasons"
DIMENSION_NAME = "JobName"


def _number(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    try:
        return float(str(value)) if "." in str(value) else int(str(value))
    except ValueError:
        return None


def build_summary(job_name, mode, files_read, reports, partitions_rewritten, step_seconds, run_seconds):
    """The run's figures as one dict (the log line). `reports` maps report view -> list of row dicts."""
    warnings = []
    metrics_rows = reports.get(METRICS_VIEW) or []
    if len(metrics_rows) != 1:
        warnings.append("%s returned %d rows, expected 1" % (METRICS_VIEW, len(metrics_rows)))
    metrics_row = metrics_rows[0] if metrics_rows else {}
    summary = {
        "event": "lakehouse_etl_run",
        "job_name": job_name,
        "mode": mode,
        "files_read": files_read,
    }
    for metric, (column, _unit) in METRIC_COLUMNS.items():
        if column not in metrics_row:
            warnings.append("%s has no column '%s' (metric %s not sent)" % (METRICS_VIEW, column, metric))
        summary[column] = _number(metrics_row.get(column))
    by_reason = {}
    for row in reports.get(REASONS_VIEW) or []:
        if REASON_COLUMN not in row or REASON_COUNT_COLUMN not in row:
            warnings.append("%s rows need columns '%s' and '%s'" % (REASONS_VIEW, REASON_COLUMN, REASON_COUNT_COLUMN))
            break
        by_reason[str(row[REASON_COLUMN])] = _number(row[REASON_COUNT_COLUMN])
    summary["quarantined_by_reason"] = dict(sorted(by_reason.items()))
    summary["partitions_rewritten"] = dict(partitions_rewritten)
    summary["step_seconds"] = {k: round(v, 3) for k, v in step_seconds.items()}
    summary["run_seconds"] = round(run_seconds, 3)
    summary["run_metrics"] = {k: _jsonable(v) for k, v in metrics_row.items()}
    if warnings:
        summary["warnings"] = warnings
    return summary


def _jsonable(value):
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def log_line(summary):
    """One line of JSON (CloudWatch Logs Insights parses it field by field)."""
    return json.dumps(summary, sort_keys=False, separators=(",", ":"), default=str)


def metric_data(summary):
    """put_metric_data MetricData for the summary; figures the SQL did not provide are left out."""
    dims = [{"Name": DIMENSION_NAME, "Value": summary["job_name"]}]
    data = [{"MetricName": FILES_READ_METRIC, "Dimensions": dims, "Value": float(summary["files_read"]), "Unit": "Count"}]
    for metric, (column, unit) in METRIC_COLUMNS.items():
        value = summary.get(column)
        if value is not None:
            data.append({"MetricName": metric, "Dimensions": dims, "Value": float(value), "Unit": unit})
    data.append({"MetricName": RUN_SECONDS_METRIC, "Dimensions": dims, "Value": float(summary["run_seconds"]), "Unit": "Seconds"})
    return data


def publish(cloudwatch, namespace, summary):
    """Sends the metrics; returns the MetricData sent."""
    data = metric_data(summary)
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)
    return data
