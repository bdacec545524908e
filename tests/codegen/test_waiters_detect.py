"""Detection of waiters (codegen.waiters), the spec's waiter block, import and overlays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from codegen.diagnostics import SpecError
from codegen.importers.tencent_api import load_folder
from codegen.pipeline import load_project
from codegen.waiters import classify, detect

from ..conftest import SHARED, run_codegen
from ..spec_helpers import write_specs

CORPUS = SHARED / "tencentcloud-api"
STR = {"type": "string"}
INT = {"type": "integer"}


def act(request: dict[str, Any], response: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "request": {"type": "object", "required": list(required), "properties": request},
        "response": {"type": "object", "properties": response},
    }


def described(text: str, kind: dict[str, Any] = STR) -> dict[str, Any]:
    return {**kind, "description": text}


@pytest.mark.parametrize(
    "text, task, expected",
    [
        # Numeric codes, each with its meaning (sqlserver DescribeFlowStatus).
        ("Flow status. 0: succeeded, 1: failed, 2: running", True, (["0"], ["1"], ["2"])),
        # A bulleted list of values in backquotes (redis DescribeTaskInfo).
        (
            "Task status. Valid values: \n- `preparing`: To be run\n- `running`: Running\n- `succeed`: Succeeded\n"
            "- `failed`: Failed\n- `Error`: Error occurred while running",
            True,
            (["succeed"], ["failed", "Error"], ["preparing", "running"]),
        ),
        # Capitals named in a sentence.
        ("Task state: one of SUCCESS, FAILED or RUNNING.", True, (["SUCCESS"], ["FAILED"], ["RUNNING"])),
        # Words of the prose are no values.
        (
            "Valid values: `DONE`, `FAIL`, `WAIT`. Note: this field may return null.",
            True,
            (["DONE"], ["FAIL"], ["WAIT"]),
        ),
        # A resource's states: RUNNING is ready (cvm's documented states).
        (
            "Current state, for example PENDING, LAUNCH_FAILED, RUNNING, STOPPED.",
            False,
            (["RUNNING"], ["LAUNCH_FAILED"], ["PENDING"]),
        ),
        # A negated ready word is no ready state.
        (
            "Disk state: NOT_READY, READY, `NotRunning`: not running yet.",
            False,
            (["READY"], [], ["NotRunning", "NOT_READY"]),
        ),
        ("Status of the task.", True, ([], [], [])),
    ],
)
def test_values_are_read_from_the_prose(text: str, task: bool, expected: tuple[list[str], ...]) -> None:
    found = classify(text, task=task)
    assert (found["success"], found["failure"], found["pending"]) == expected


STATUS = described("Task status. 0: success; 1: failed; 2: running.", INT)


def service(**actions: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(actions)


def test_a_task_waiter_is_found_with_its_poller_and_values() -> None:
    actions = service(
        CreateExport=act({"Name": STR}, {"JobId": STR}),
        DescribeExportJob=act({"JobId": STR}, {"Status": STATUS}, ("JobId",)),
        DescribeOtherThing=act({"JobId": STR}, {"Status": STATUS}),  # named after other work
    )
    result = detect({}, actions)
    assert result.left_out == ()
    (found,) = result.found
    assert (found.action, found.kind) == ("CreateExport", "task")
    assert found.block == {
        "action": "DescribeExportJob",
        "input": {"JobId": "JobId"},
        "status": "Status",
        "success": ["0"],
        "failure": ["1"],
        "pending": ["2"],
    }


def test_a_general_poller_and_a_nested_status() -> None:
    types = {"TaskInfo": {"type": "object", "properties": {"TaskStatus": described("`SUCCESS`, `FAILED`, `DOING`")}}}
    actions = service(
        ResizeDisk=act({}, {"TaskId": INT}),
        DescribeTaskDetail=act({"TaskId": INT}, {"Task": {"$ref": "#/types/TaskInfo"}}, ("TaskId",)),
    )
    (found,) = detect(types, actions).found
    assert found.block["action"] == "DescribeTaskDetail"
    assert found.block["status"] == "Task.TaskStatus"
    assert (found.block["success"], found.block["failure"]) == (["SUCCESS"], ["FAILED"])


@pytest.mark.parametrize(
    "actions, reason",
    [
        ({"StartJob": act({}, {"TaskId": STR})}, "no read-only action takes TaskId"),
        (
            {"StartJob": act({}, {"TaskId": STR}), "DescribeBilling": act({"TaskId": STR}, {"Status": STATUS})},
            "TaskId is taken only by actions named after other work (DescribeBilling)",
        ),
        (
            {
                "StartJob": act({}, {"TaskId": STR}),
                "DescribeTask": act({"TaskId": STR, "Zone": STR}, {"Status": STATUS}, ("TaskId", "Zone")),
            },
            "DescribeTask needs Zone, which StartJob neither takes nor returns",
        ),
        (
            {"StartJob": act({}, {"TaskId": STR}), "DescribeTask": act({"TaskId": STR}, {"Output": STR})},
            "DescribeTask: its answer has no status field",
        ),
        (
            {
                "StartJob": act({}, {"TaskId": STR}),
                "DescribeTask": act({"TaskId": STR}, {"Status": described("The status of the task.")}),
            },
            "DescribeTask: no success and failure values documented for Status",
        ),
        (
            {
                "StartJob": act({}, {"TaskId": STR}),
                "DescribeTaskInfo": act({"TaskId": STR}, {"Status": STATUS}),
                "DescribeTaskResult": act({"TaskId": STR}, {"Status": STATUS}),
            },
            "a tie: DescribeTaskInfo, DescribeTaskResult all fit",
        ),
    ],
)
def test_task_candidates_left_out_say_why(actions: dict[str, Any], reason: str) -> None:
    result = detect({}, actions)
    assert result.found == ()
    assert [(left.action, left.kind, left.reason) for left in result.left_out] == [("StartJob", "task", reason)]


def test_the_poller_named_after_the_work_beats_a_general_one() -> None:
    actions = service(
        SubmitRenderJob=act({}, {"JobId": STR}),
        QueryRenderJob=act({"JobId": STR}, {"Status": STATUS}),
        DescribeJobStatus=act({"JobId": STR}, {"Status": STATUS}),
    )
    (found,) = detect({}, actions).found
    assert found.block["action"] == "QueryRenderJob"


ITEM = {
    "Disk": {
        "type": "object",
        "properties": {
            "DiskId": STR,
            "DiskState": described("PENDING, ATTACHED, UNATTACHED or NORMAL; CREATE_FAILED."),
        },
    }
}


def test_a_resource_waiter_filters_on_the_ids_and_reads_every_item() -> None:
    actions = service(
        CreateDisks=act({}, {"DiskIdSet": {"type": "array", "items": STR}}),
        DescribeDisks=act(
            {"DiskIds": {"type": "array", "items": STR}},
            {"DiskSet": {"type": "array", "items": {"$ref": "#/types/Disk"}}},
        ),
    )
    (found,) = detect(ITEM, actions).found
    assert (found.action, found.kind) == ("CreateDisks", "resource")
    assert found.block == {
        "action": "DescribeDisks",
        "input": {"DiskIds": "DiskIdSet"},
        "status": "DiskSet[].DiskState",
        "success": ["NORMAL"],
        "failure": ["CREATE_FAILED"],
        "pending": ["PENDING"],
    }


def test_resource_candidates_left_out_say_why() -> None:
    lonely = detect({}, service(CreateBucket=act({}, {"BucketId": STR})))
    assert [left.reason for left in lonely.left_out] == ["no DescribeBuckets action filters on BucketIds"]
    undocumented = {"Disk": {"type": "object", "properties": {"DiskState": described("See the state table.")}}}
    actions = service(
        CreateDisks=act({}, {"DiskIdSet": {"type": "array", "items": STR}}),
        DescribeDisks=act(
            {"DiskIds": {"type": "array", "items": STR}},
            {"DiskSet": {"type": "array", "items": {"$ref": "#/types/Disk"}}},
        ),
    )
    assert [left.reason for left in detect(undocumented, actions).left_out] == [
        "DescribeDisks: no ready state documented for DiskSet[].DiskState"
    ]


def test_corpus_patterns() -> None:
    """What the rules find in real specs: a general poller (redis), numeric codes (sqlserver), cvm's states by link."""
    redis = load_folder(CORPUS / "redis" / "v20180412").actions
    assert redis["ChangeInstanceRole"]["waiter"] == {
        "action": "DescribeTaskInfo",
        "kind": "task",
        "input": {"TaskId": "TaskId"},
        "status": "Status",
        "success": ["succeed"],
        "failure": ["failed", "Error"],
        "pending": ["preparing", "running"],
    }
    sqlserver = load_folder(CORPUS / "sqlserver" / "v20180328").actions
    assert {k: sqlserver["RestoreInstance"]["waiter"][k] for k in ("action", "status", "success", "failure")} == {
        "action": "DescribeFlowStatus",
        "status": "Status",
        "success": ["0"],
        "failure": ["1"],
    }
    cvm = load_folder(CORPUS / "cvm" / "v20170312")
    # InstanceState points at a table on the web: no states in the prose, so no waiter.
    assert "waiter" not in cvm.actions["RunInstances"]
    left = {item.action: item.reason for item in detect(cvm.service["types"], cvm.actions).left_out}
    assert left["RunInstances"] == "DescribeInstances: no ready state documented for InstanceSet[].InstanceState"


JOB = (
    "action: StartJob\nrequest:\n  type: object\n  properties: {}\n"
    "response:\n  type: object\n  properties:\n    JobId: {type: string}\n    Region: {type: string}\n"
)
POLL = (
    "action: DescribeJob\nrequest:\n  type: object\n  required: [JobId]\n  properties:\n    JobId: {type: string}\n"
    "response:\n  type: object\n  properties:\n    Status: {type: string}\n    Steps:\n      type: array\n"
    "      items: {type: string}\n"
)


@pytest.mark.parametrize(
    "block, message",
    [
        ("{action: DescribeJob, input: {JobId: JobId}, status: Status, success: [DONE], failure: [FAILED]}", ""),
        ("{action: DescribeJobs, status: Status, success: [DONE]}", "waiter: 'DescribeJobs' is no action of this"),
        ("{action: DescribeJob, status: State, success: [DONE]}", "waiter: status 'State': 'State' is not a field"),
        ("{action: DescribeJob, status: Steps, success: [DONE]}", "'Steps' is a list: write Steps[]"),
        ("{action: DescribeJob, input: {JobId: Region2}, status: Status, success: [A]}", "not a response field of"),
        ("{action: DescribeJob, input: {Id: JobId}, status: Status, success: [A]}", "'Id' is not a request field"),
        ("{action: DescribeJob, status: Status, success: [A], failure: [A]}", "A cannot be both success and failure"),
        ("{action: DescribeJob, status: Status, success: [A], min_delay: 9, max_delay: 3}", "min_delay 9 is more"),
        ("{action: DescribeJob, status: Status, success: []}", "should be non-empty"),
        ("{action: DescribeJob, status: 'Status.', success: [A]}", "does not match"),
    ],
)
def test_the_spec_block_is_checked(tmp_path: Path, block: str, message: str) -> None:
    specs = write_specs(
        tmp_path,
        {"demo/2020-01-01/StartJob.yaml": JOB + f"waiter: {block}\n", "demo/2020-01-01/DescribeJob.yaml": POLL},
    )
    if not message:
        (start,) = [a for a in load_project(specs).services[0].actions if a.name == "StartJob"]
        assert start.waiter is not None
        assert (start.waiter.method, start.waiter.poller_method) == ("wait_for_start_job", "describe_job")
        assert start.waiter.inputs == (("job_id", "job_id", False),)
        assert (start.waiter.min_delay, start.waiter.max_delay, start.waiter.timeout) == (2.0, 30.0, 600.0)
        return
    with pytest.raises(SpecError) as error:
        load_project(specs)
    assert any(message in d.message for d in error.value.diagnostics), error.value.diagnostics
    assert all(d.path.endswith("StartJob.yaml") for d in error.value.diagnostics)


def test_service_defaults_apply_unless_the_block_says(tmp_path: Path) -> None:
    from ..spec_helpers import SERVICE

    specs = write_specs(
        tmp_path,
        {
            "demo/2020-01-01/service.yaml": SERVICE + "waiters: {min_delay: 5, timeout: 60}\n",
            "demo/2020-01-01/StartJob.yaml": JOB
            + "waiter: {action: DescribeJob, status: Status, success: [A], timeout: 30}\n",
            "demo/2020-01-01/DescribeJob.yaml": POLL,
        },
    )
    (start,) = [a for a in load_project(specs).services[0].actions if a.name == "StartJob"]
    assert start.waiter is not None
    assert (start.waiter.min_delay, start.waiter.max_delay, start.waiter.timeout) == (5.0, 30.0, 30.0)


def test_a_waiter_name_taken_by_another_action(tmp_path: Path) -> None:
    taken = JOB.replace("StartJob", "WaitForStartJob")
    specs = write_specs(
        tmp_path,
        {
            "demo/2020-01-01/StartJob.yaml": JOB + "waiter: {action: DescribeJob, status: Status, success: [A]}\n",
            "demo/2020-01-01/DescribeJob.yaml": POLL,
            "demo/2020-01-01/WaitForStartJob.yaml": taken,
        },
    )
    with pytest.raises(SpecError, match="both become the method 'wait_for_start_job'"):
        load_project(specs)


@pytest.mark.slow
def test_import_writes_the_block_overlays_change_it_and_generate_uses_it(tmp_path: Path) -> None:
    source = CORPUS / "sqlserver" / "v20180328"
    wanted = "RestoreInstance,DescribeFlowStatus"
    result = run_codegen(
        "import",
        "tencentcloud",
        "--api",
        str(source / "api.json"),
        "--out",
        str(tmp_path / "specs"),
        "--actions",
        wanted,
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "specs" / "sqlserver" / "2018-03-28" / "RestoreInstance.yaml").read_text("utf-8")
    assert (
        "waiter:\n  action: DescribeFlowStatus\n  kind: task\n  input:\n    FlowId: FlowId\n  status: Status\n" in text
    )
    overlay = tmp_path / "fix.yaml"
    overlay.write_text(
        "overlay: 1\npatches:\n"
        "  - {service: sqlserver, version: '2018-03-28', action: RestoreInstance,"
        " set: {waiter: {timeout: 1800, retry_errors: [ResourceNotFound.InstanceNotFound]}}, reason: restores are slow}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run_codegen(
        "generate",
        "--from",
        "tencentcloud",
        str(source),
        "--actions",
        wanted,
        "--overlay",
        str(overlay),
        "--out",
        str(out),
        "-q",
    )
    assert result.returncode == 0, result.stderr
    client = (out / "tcsdk" / "sqlserver" / "v20180328" / "client.py").read_text("utf-8")
    assert "def wait_for_restore_instance(" in client and "timeout: float = 1800.0," in client
    assert 'retry_errors=("ResourceNotFound.InstanceNotFound",)' in client
    assert "self.describe_flow_status," in client
    aio = (out / "tcsdk" / "sqlserver" / "v20180328" / "aio.py").read_text("utf-8")
    assert "async def wait_for_restore_instance(" in aio and "await _waiting.async_wait(" in aio
    removed = tmp_path / "remove.yaml"
    removed.write_text(
        "overlay: 1\npatches:\n  - {service: sqlserver, version: '2018-03-28', action: RestoreInstance,"
        " at: [waiter], remove: true, reason: not wanted}\n",
        encoding="utf-8",
    )
    result = run_codegen(
        "generate",
        "--from",
        "tencentcloud",
        str(source),
        "--actions",
        wanted,
        "--overlay",
        str(removed),
        "--out",
        str(tmp_path / "out2"),
        "-q",
    )
    assert result.returncode == 0, result.stderr
    assert "wait_for_" not in (tmp_path / "out2" / "tcsdk" / "sqlserver" / "v20180328" / "client.py").read_text("utf-8")


def test_an_identifier_of_another_integer_format_still_maps(tmp_path: Path) -> None:
    """Tencent gives one id int64 here and uint64 there: the Python type is the same."""
    job = JOB.replace("JobId: {type: string}", "JobId: {type: integer, format: int64}")
    poll = POLL.replace("JobId: {type: string}", "JobId: {type: integer, format: uint64}")
    block = "waiter: {action: DescribeJob, input: {JobId: JobId}, status: Status, success: [A]}\n"
    specs = write_specs(
        tmp_path, {"demo/2020-01-01/StartJob.yaml": job + block, "demo/2020-01-01/DescribeJob.yaml": poll}
    )
    (start,) = [a for a in load_project(specs).services[0].actions if a.name == "StartJob"]
    assert start.waiter is not None and start.waiter.inputs == (("job_id", "job_id", False),)
