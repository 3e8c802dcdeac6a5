"""The generated client (and the helpers) against a real `crosshash serve` on a loopback port:
every route, and the answers equal the CLI's (`crosshash hash --json`, `crosshash analyze`).

    CROSSHASH_BIN=.build/debug/crosshash python3 -m unittest discover -s clients/python/tests

The binary is $CROSSHASH_BIN (default .build/debug/crosshash, from the repository root).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE.parent))

from crosshash_client import AuthenticatedClient, Client  # noqa: E402
from crosshash_client.api.datasets import (  # noqa: E402
    add_hashes,
    delete_dataset,
    get_dataset,
    get_job,
    list_datasets,
    put_dataset,
    scan_dataset,
    upload_images,
)
from crosshash_client.api.hash_ import hash_images, hash_raw_image  # noqa: E402
from crosshash_client.api.operations import healthz, metrics, openapi, readyz  # noqa: E402
from crosshash_client.api.query import cross_duplicates, query_hashes, query_images  # noqa: E402
from crosshash_client.models import (  # noqa: E402
    CrossDuplicates,
    CrossDuplicatesFamily,
    Dataset,
    DatasetDetail,
    DatasetList,
    DatasetPut,
    HashItem,
    HashResponse,
    Health,
    ImageParts,
    ItemsUpload,
    JobAccepted,
    MatchTransform,
    Problem,
    Query,
    QueryOptions,
    QueryOptionsFamiliesItem,
    QueryParts,
    QueryRequest,
    QueryResponse,
    Ready,
    Thresholds,
    UploadResponse,
)
from crosshash_client.types import File  # noqa: E402

import crosshash_client_helpers as helpers  # noqa: E402

FIXTURES = REPO / "Tests" / "Fixtures"
IMAGES = FIXTURES / "images" / "real"
LEFT = ["calla.jpg", "city.png", "goldfish.jpg"]
RIGHT = ["calla.jpg", "desert.png", "rhythm.png"]
STARTUP_SECONDS = 60
REQUEST_SECONDS = 60


def binary() -> Path:
    path = Path(os.environ.get("CROSSHASH_BIN", ".build/debug/crosshash"))
    return path if path.is_absolute() else REPO / path


def cli_hashes(*paths: Path) -> dict[str, dict[str, str]]:
    """`crosshash hash --json`: file name -> {"phash", "blockmean"}."""
    out = subprocess.run(
        [str(binary()), "hash", "--json", *map(str, paths)], check=True, capture_output=True, timeout=120
    ).stdout
    lines = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    return {Path(d["file"]).name: {"phash": d["phash"], "blockmean": d["blockmean"]} for d in lines}


class ServedClientTests(unittest.TestCase):
    """One server for the class (with an API key and a --root); each test its own datasets."""

    tmp: Path
    server: subprocess.Popen[bytes]
    url: str
    key: str
    client: AuthenticatedClient

    @classmethod
    def setUpClass(cls) -> None:
        if not binary().is_file():
            raise unittest.SkipTest(f"no crosshash binary at {binary()} (build it, or set CROSSHASH_BIN)")
        cls.tmp = Path(tempfile.mkdtemp(prefix="crosshash-pyclient-"))
        for side, names in (("left", LEFT), ("right", RIGHT)):
            (cls.tmp / "root" / side).mkdir(parents=True)
            for name in names:
                shutil.copy(IMAGES / name, cls.tmp / "root" / side / name)
        (cls.tmp / "notes.txt").write_bytes(b"not a picture")
        cls.key = secrets.token_hex(16)
        (cls.tmp / "keys.txt").write_text(f"# test_client.py\n{cls.key}\n")
        cls.log = open(cls.tmp / "server.log", "wb")
        cls.server = subprocess.Popen(
            [str(binary()), "serve", "--no-store", "--listen", "127.0.0.1:0", "--root", str(cls.tmp / "root"),
             "--api-key-file", str(cls.tmp / "keys.txt"), "--max-images-per-request", "5", "--max-query-matches", "1000"],
            stdout=subprocess.DEVNULL, stderr=cls.log,
        )  # fmt: skip
        try:
            cls.url = cls.wait_for_server()
        except BaseException:
            cls.tearDownClass()
            raise
        cls.client = AuthenticatedClient(base_url=cls.url, token=cls.key, timeout=REQUEST_SECONDS)

    @classmethod
    def wait_for_server(cls) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        url = None
        while time.monotonic() < deadline:
            if cls.server.poll() is not None:
                raise RuntimeError(f"crosshash serve exited with {cls.server.returncode}: {cls.server_log()}")
            if url is None:
                found = re.search(r"crosshash: listening on (http://127\.0\.0\.1:\d+)", cls.server_log())
                url = found.group(1) if found else None
            if url is not None:
                with Client(base_url=url, timeout=5) as probe:
                    status = readyz.sync_detailed(client=probe).status_code
                if status == 200:
                    return url
            time.sleep(0.1)
        raise RuntimeError(f"crosshash serve not ready within {STARTUP_SECONDS} s: {cls.server_log()}")

    @classmethod
    def server_log(cls) -> str:
        return (cls.tmp / "server.log").read_text(errors="replace")[-2000:]

    @classmethod
    def tearDownClass(cls) -> None:
        if getattr(cls, "client", None) is not None:
            cls.client.get_httpx_client().close()
        if getattr(cls, "server", None) is not None and cls.server.poll() is None:
            cls.server.terminate()
            try:
                cls.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.server.kill()
                cls.server.wait(timeout=10)
        if getattr(cls, "log", None) is not None:
            cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # Helpers

    def new_dataset(self, name: str, root: str | None = None) -> Dataset:
        response = put_dataset.sync_detailed(name, client=self.client, body=DatasetPut(root=root))
        self.assertEqual(response.status_code, 201, response.content)
        self.assertIsInstance(response.parsed, Dataset)
        return response.parsed

    def assert_problem(self, response, status: int, fragment: str) -> Problem:
        self.assertEqual(response.status_code, status, response.content)
        self.assertIsInstance(response.parsed, Problem, response.content)
        self.assertEqual(response.parsed.status, status)
        self.assertEqual(response.parsed.type_, "about:blank")
        self.assertIn(fragment, response.parsed.detail)
        return response.parsed

    # Operations

    def test_operations_routes(self) -> None:
        with Client(base_url=self.url, timeout=REQUEST_SECONDS) as open_client:  # no key needed
            self.check_operations(open_client)

    def check_operations(self, open_client: Client) -> None:
        self.assertEqual(healthz.sync(client=open_client).status, "ok")
        self.assertIsInstance(healthz.sync(client=open_client), Health)
        ready = readyz.sync(client=open_client)
        self.assertIsInstance(ready, Ready)
        self.assertEqual(ready.status, "ready")
        self.assertTrue(ready.device.kind)
        text = metrics.sync(client=open_client)
        self.assertIsInstance(text, str)
        self.assertIn("crosshash_queue_depth", text)
        served = openapi.sync(client=open_client)
        committed = json.loads((REPO / "Sources" / "Service" / "openapi.json").read_text())
        self.assertEqual(served.to_dict(), committed, "the served document is the committed one")

    # Hash

    def test_hash_raw_and_multipart_equal_the_cli(self) -> None:
        paths = [IMAGES / n for n in ("calla.jpg", "city.png", "sway_portrait.png", "the_mouse.jpg")]
        expected = cli_hashes(*paths)
        for path in paths:
            raw = hash_raw_image.sync(client=self.client, body=File(payload=path.read_bytes()), name=path.name)
            self.assertIsInstance(raw, HashResponse)
            [entry] = raw.images
            self.assertEqual((entry.name, entry.phash, entry.blockmean), (path.name, *expected[path.name].values()))
        parts = ImageParts()
        for i, path in enumerate(paths):
            parts[f"image{i}"] = File(payload=path.read_bytes(), file_name=path.name)
        parts["notes"] = File(payload=(self.tmp / "notes.txt").read_bytes(), file_name="notes.txt")
        multipart = hash_images.sync(client=self.client, body=parts)
        self.assertIsInstance(multipart, HashResponse)
        self.assertEqual([e.name for e in multipart.images], [p.name for p in paths] + ["notes.txt"])
        for entry in multipart.images[:-1]:
            self.assertEqual({"phash": entry.phash, "blockmean": entry.blockmean}, expected[entry.name])
        self.assertIsInstance(multipart.images[-1].error, str, "a part that is not a picture is answered in its entry")
        # The helpers: batches of 2 over a server that takes at most 5 per request.
        entries = helpers.hash_files(self.client, paths * 2, batch_files=2)
        self.assertEqual([{"phash": e.phash, "blockmean": e.blockmean} for e in entries], [expected[p.name] for p in paths * 2])
        self.assertEqual(helpers.hash_file(self.client, paths[0]).phash, expected[paths[0].name]["phash"])

    # Datasets

    def test_dataset_lifecycle_with_hashes_and_uploads(self) -> None:
        created = self.new_dataset("py-life")
        self.assertEqual((created.name, created.root, created.images), ("py-life", None, 0))
        again = put_dataset.sync_detailed("py-life", client=self.client, body=DatasetPut())
        self.assertEqual(again.status_code, 200)
        # Precomputed hashes (JSON), from the CLI.
        expected = cli_hashes(*(IMAGES / n for n in LEFT))
        items = [HashItem(file=f"cli/{n}", phash=h["phash"], blockmean=h["blockmean"]) for n, h in expected.items()]
        added = add_hashes.sync(name="py-life", client=self.client, body=ItemsUpload(items=items))
        self.assertIsInstance(added, UploadResponse)
        self.assertEqual(added.added, 3)
        # Images (multipart on the upload path), hashed by the server: the same hashes.
        parts = ImageParts()
        parts["image"] = File(payload=(IMAGES / "calla.jpg").read_bytes(), file_name="up/calla.jpg")
        parts["other"] = File(payload=b"not a picture", file_name="up/notes.png")
        uploaded = upload_images.sync(name="py-life", client=self.client, body=parts)
        self.assertIsInstance(uploaded, UploadResponse)
        self.assertEqual(uploaded.added, 1)
        self.assertEqual((uploaded.images[0].file, uploaded.images[0].phash), ("up/calla.jpg", expected["calla.jpg"]["phash"]))
        self.assertIsInstance(uploaded.images[1].error, str)
        # A folder through the helper (batches of 2), and precomputed hashes through it.
        count, failed = helpers.add_folder_hashes(self.client, "py-life", folder=self.tmp / "root" / "right", batch_files=2)
        self.assertEqual((count, failed), (3, []))
        count, _ = helpers.add_folder_hashes(
            self.client, "py-life", precomputed=[{"file": "dict/" + n, **h} for n, h in expected.items()]
        )
        self.assertEqual(count, 3)

        listed = list_datasets.sync(client=self.client)
        self.assertIsInstance(listed, DatasetList)
        self.assertIn("py-life", [d.name for d in listed.datasets])
        detail = get_dataset.sync("py-life", client=self.client)
        self.assertIsInstance(detail, DatasetDetail)
        self.assertEqual((detail.images, detail.errors), (3 + 1 + 3 + 3, 1))
        self.assertEqual([p.file for p in detail.problems], ["up/notes.png"])

        self.assertEqual(delete_dataset.sync_detailed("py-life", client=self.client).status_code, 204)
        self.assert_problem(get_dataset.sync_detailed("py-life", client=self.client), 404, "no dataset named 'py-life'")

    def test_scan_job_and_cross_duplicates_equal_analyze(self) -> None:
        for side in ("left", "right"):
            self.new_dataset(f"py-{side}", root=str(self.tmp / "root" / side))
            accepted = scan_dataset.sync_detailed(f"py-{side}", client=self.client)
            self.assertEqual(accepted.status_code, 202, accepted.content)
            self.assertIsInstance(accepted.parsed, JobAccepted)
            self.assertEqual(accepted.headers["location"], f"/v1/jobs/{accepted.parsed.job}")
            job = get_job.sync(accepted.parsed.job, client=self.client)
            self.assertEqual(job.dataset, f"py-{side}")
        # Scanning again through the helper polls the job to its end.
        job = helpers.scan_and_wait(self.client, "py-left", timeout=120)
        self.assertEqual((job.state.value, job.total, job.errors), ("done", 3, 0))
        job = helpers.scan_and_wait(self.client, "py-right", timeout=120)
        self.assertEqual(job.state.value, "done")

        out = self.tmp / "analyze"
        subprocess.run(
            [str(binary()), "analyze", "--no-store", "--no-verify", "--out", str(out), "--within",
             f"py-left={self.tmp / 'root' / 'left'}", f"py-right={self.tmp / 'root' / 'right'}"],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        for family, file in (("phash", "perceptual_cross_duplicates.json"), ("blockmean", "robust_cross_duplicates.json")):
            response = cross_duplicates.sync_detailed(
                client=self.client, family=CrossDuplicatesFamily(family), within=True, datasets=["py-left,py-right"]
            )
            self.assertEqual(response.status_code, 200, response.content)
            self.assertIsInstance(response.parsed, CrossDuplicates)
            self.assertEqual(json.loads(response.content), json.loads((out / file).read_text()), family)
            via_helper = helpers.cross_duplicate_pairs(self.client, ["py-left", "py-right"], family=family, within=True)
            self.assertEqual(via_helper.to_dict(), response.parsed.to_dict())
        pair = response.parsed.pairs[0]
        self.assertEqual((pair.a.dataset, pair.a.file, pair.b.dataset, pair.b.file), ("py-left", "calla.jpg", "py-right", "calla.jpg"))
        # Uploads to a dataset with a root are refused: 409 as a problem.
        with self.assertRaises(helpers.ProblemError) as caught:
            helpers.add_folder_hashes(self.client, "py-left", folder=self.tmp / "root" / "right")
        self.assertEqual(caught.exception.status, 409)

    # Query

    def test_query_by_hash_and_by_picture(self) -> None:
        self.new_dataset("py-query")
        helpers.add_folder_hashes(self.client, "py-query", folder=self.tmp / "root" / "left")
        expected = cli_hashes(IMAGES / "calla.jpg")["calla.jpg"]
        asked = QueryRequest(
            queries=[Query(id="q", phash=expected["phash"])], datasets=["py-query"], thresholds=Thresholds(phash=4), limit=5
        )
        by_hash = query_hashes.sync(client=self.client, body=asked)
        self.assertIsInstance(by_hash, QueryResponse)
        [result] = by_hash.results
        self.assertEqual((result.id, result.truncated), ("q", False))
        self.assertEqual([(m.dataset, m.file, m.distances.phash) for m in result.matches], [("py-query", "calla.jpg", 0)])

        parts = QueryParts(
            image=File(payload=(IMAGES / "calla.jpg").read_bytes(), file_name="probe.jpg"),
            options=QueryOptions(datasets=["py-query"], limit=1),
        )
        parts["second"] = File(payload=b"not a picture", file_name="notes.png")
        by_picture = query_images.sync(client=self.client, body=parts)
        self.assertIsInstance(by_picture, QueryResponse)
        first, second = by_picture.results
        self.assertEqual((first.id, first.phash, first.blockmean), ("probe.jpg", expected["phash"], expected["blockmean"]))
        self.assertEqual([(m.file, m.distances.phash, m.distances.blockmean) for m in first.matches], [("calla.jpg", 0, 0)])
        self.assertEqual((second.id, isinstance(second.error, str)), ("notes.png", True))

        # The helpers: 7 images and queries over a server that takes 5 per request.
        entries = helpers.hash_files(self.client, [IMAGES / n for n in LEFT] * 2 + [IMAGES / "desert.png"], batch_files=5)
        results = helpers.query_hashes(self.client, entries, datasets=["py-query"], limit=3, batch=5)
        self.assertEqual([r.matches[0].file if r.matches else None for r in results], LEFT * 2 + [None])
        results = helpers.query_images(self.client, [IMAGES / "goldfish.jpg"], datasets=["py-query"], batch_files=1)
        self.assertEqual(results[0].matches[0].file, "goldfish.jpg")

    def test_pdq_list_entries_and_dihedral_picture_queries(self) -> None:
        # Expected hashes from the references (Meta's pdqhash, imagehash/OpenCV, a Pillow mirror).
        reference_pdq = json.loads((FIXTURES / "expected_pdq.json").read_text())["real/calla.jpg"]
        self.new_dataset("py-pdq")
        stored = add_hashes.sync(
            "py-pdq", client=self.client, body=ItemsUpload(items=[HashItem(file="partner-7", pdq=reference_pdq["pdq"])])
        )
        self.assertIsInstance(stored, UploadResponse)
        by_hash = query_hashes.sync(
            client=self.client, body=QueryRequest(queries=[Query(id="q", pdq=reference_pdq["pdq"])], datasets=["py-pdq"])
        )
        self.assertEqual([(m.file, m.distances.pdq) for m in by_hash.results[0].matches], [("partner-7", 0)])
        parts = QueryParts(
            image=File(payload=(IMAGES / "calla.jpg").read_bytes(), file_name="calla.jpg"),
            options=QueryOptions(datasets=["py-pdq"], families=[QueryOptionsFamiliesItem.PDQ]),
        )
        [result] = query_images.sync(client=self.client, body=parts).results
        self.assertEqual((result.pdq, result.pdq_quality), (reference_pdq["pdq"], reference_pdq["pdq_quality"]))
        self.assertEqual([(m.file, m.distances.pdq) for m in result.matches], [("partner-7", 0)])

        dihedral = FIXTURES / "mirror_query"
        original = json.loads((dihedral / "expected.json").read_text())["png/pillow_rgb.png"]
        self.new_dataset("py-dihedral")
        add_hashes.sync(
            "py-dihedral",
            client=self.client,
            body=ItemsUpload(items=[HashItem(file="original.png", phash=original["phash"], blockmean=original["blockmean"])]),
        )
        mirror = (dihedral / "pillow_rgb_flip_h.png").read_bytes()
        plain = QueryParts(image=File(payload=mirror, file_name="m.png"), options=QueryOptions(datasets=["py-dihedral"]))
        self.assertEqual(query_images.sync(client=self.client, body=plain).results[0].matches, [])
        turned = QueryParts(
            image=File(payload=mirror, file_name="m.png"), options=QueryOptions(datasets=["py-dihedral"], dihedral=True)
        )
        [match] = query_images.sync(client=self.client, body=turned).results[0].matches
        self.assertEqual(
            (match.file, match.transform, match.distances.phash, match.distances.blockmean),
            ("original.png", MatchTransform.FLIP_H, 0, 0),
        )
        self.assert_problem(
            query_hashes.sync_detailed(
                client=self.client, body=QueryRequest(queries=[Query(phash=original["phash"])], dihedral=True)
            ),
            422,
            "needs the picture",
        )

    # Problems

    def test_errors_are_typed_problem_details(self) -> None:
        self.assert_problem(get_dataset.sync_detailed("py-nope", client=self.client), 404, "no dataset named")
        self.assert_problem(get_job.sync_detailed("scan-999999", client=self.client), 404, "no job")
        not_image = hash_raw_image.sync_detailed(client=self.client, body=File(payload=b"\x89PNG\x01\x02"), name="x.png")
        self.assert_problem(not_image, 422, "not an image")
        six = [Query(phash="0" * 16)] * 6
        self.assert_problem(query_hashes.sync_detailed(client=self.client, body=QueryRequest(queries=six)), 413, "over the limit of 5")
        over_cap = QueryRequest(queries=[Query(phash="0" * 16)] * 2, limit=1000)
        self.assert_problem(query_hashes.sync_detailed(client=self.client, body=over_cap), 413, "cap of 1000 matches")
        bad_hex = QueryRequest(queries=[Query(phash="zz")])
        self.assert_problem(query_hashes.sync_detailed(client=self.client, body=bad_hex), 400, "16 hex digits")
        outside = put_dataset.sync_detailed("py-outside", client=self.client, body=DatasetPut(root="/etc"))
        self.assert_problem(outside, 403, "outside the folders")
        with Client(base_url=self.url, timeout=REQUEST_SECONDS) as no_key_client:
            no_key = list_datasets.sync_detailed(client=no_key_client)
        self.assertEqual(no_key.status_code, 401)
        self.assertIsInstance(no_key.parsed, Problem)
        with self.assertRaises(helpers.ProblemError) as caught:
            helpers.hash_file(self.client, self.tmp / "notes.txt")
        self.assertEqual(caught.exception.status, 422)


if __name__ == "__main__":
    unittest.main()
