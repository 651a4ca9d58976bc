"""The one module that talks to the Docker engine (through the Docker SDK for Python).

Everything else asks this module for containers, execs and images, and gets the
project's own error types back: SDK and connection errors are translated here.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import docker.errors
import requests.exceptions

import docker
from sandbox import confine
from sandbox.confine import Confinement
from sandbox.errors import EngineError, EngineUnavailable, ImageError
from sandbox.waiting import Timeout, wait_until

LABEL = "io.process-sandbox"  # every container and image the project makes carries it
START_HINT = (
    "start Docker (e.g. `make engine`, which installs Debian's docker.io and starts dockerd "
    "on a root Debian/Ubuntu machine), or point DOCKER_HOST at a running engine"
)


CHUNK = 1 << 20  # images go to and from the engine in pieces of this size, never whole


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


@dataclass(frozen=True)
class ExecResult:
    """A finished command inside a container."""

    exit_code: int
    output: str  # stdout and stderr, interleaved as they were written


@contextlib.contextmanager
def _translated(what: str) -> Iterator[None]:
    """Turn SDK and connection failures during `what` into the project's errors."""
    try:
        yield
    except docker.errors.ImageNotFound as exc:
        raise ImageError(
            f"{what}: image not found ({exc.explanation})", "run `make image`"
        ) from exc
    except docker.errors.BuildError as exc:
        tail = " / ".join(str(line.get("stream", "")).strip() for line in exc.build_log)[-300:]
        raise ImageError(f"{what}: the build failed: {exc.msg}", tail) from exc
    except docker.errors.APIError as exc:
        raise EngineError(f"{what}: the engine refused: {exc.explanation or exc}") from exc
    except requests.exceptions.Timeout as exc:
        raise EngineError(f"{what}: the engine did not answer in time") from exc
    except (requests.exceptions.RequestException, docker.errors.DockerException) as exc:
        raise EngineUnavailable(f"{what}: lost the Docker engine ({exc})", START_HINT) from exc


class Engine:
    """A connected Docker engine."""

    def __init__(self, client: docker.DockerClient) -> None:
        self._client = client
        self._api = client.api

    @classmethod
    def connect(cls, timeout_s: float = 10.0) -> Engine:
        """The engine the SDK finds (DOCKER_HOST, or the default socket), or EngineUnavailable."""
        try:
            client = docker.from_env(timeout=int(max(timeout_s, 1)))
            client.ping()
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            raise EngineUnavailable(
                f"no Docker engine answers at {_endpoint_hint()}", START_HINT
            ) from exc
        return cls(client)

    @property
    def endpoint(self) -> str:
        return str(self._api.base_url)

    def version(self) -> str:
        with _translated("asking the engine's version"):
            return str(self._api.version().get("Version", "?"))

    # -- images --------------------------------------------------------------------------

    def image_id(self, ref: str) -> str | None:
        """The ID of image `ref`, or None when the engine does not have it."""
        try:
            return str(self._api.inspect_image(ref)["Id"])
        except docker.errors.ImageNotFound:
            return None
        except docker.errors.APIError as exc:
            raise EngineError(f"inspecting image {ref}: {exc.explanation or exc}") from exc
        except (requests.exceptions.ConnectionError, docker.errors.DockerException) as exc:
            raise EngineUnavailable(f"inspecting image {ref}: lost the engine", START_HINT) from exc

    def image_layers(self, ref: str) -> tuple[str, ...]:
        """The digests of image `ref`'s layers (RootFS.Layers): equal for equal files."""
        with _translated(f"inspecting image {ref}"):
            return tuple(self._api.inspect_image(ref)["RootFS"]["Layers"])

    def import_rootfs(self, tarball: Path, ref: str, changes: list[str]) -> str:
        """`docker import`: a root filesystem tarball becomes image `ref`."""
        repository, tag = ref.rsplit(":", 1)
        with _translated(f"importing {tarball} as {ref}"), self._patience():
            self._api.import_image_from_file(
                str(tarball), repository=repository, tag=tag, changes=changes
            )
        image = self.image_id(ref)
        if image is None:
            raise ImageError(f"importing {tarball} as {ref} left no image", "see dockerd's log")
        return image

    def tag(self, ref: str, alias: str) -> None:
        """Give image `ref` a second name, `alias` (repository:tag)."""
        repository, tag = alias.rsplit(":", 1)
        with _translated(f"tagging {ref} as {alias}"):
            self._api.tag(ref, repository, tag)

    def build_dockerfile(self, context: Path, ref: str, labels: Mapping[str, str]) -> str:
        """`docker build` of `context`/Dockerfile (the path for machines with a registry)."""
        with _translated(f"building {ref} from {context}/Dockerfile"), self._patience():
            image, _logs = self._client.images.build(
                path=str(context), tag=ref, labels=dict(labels), rm=True, forcerm=True
            )
        return str(image.id)

    def save_images(self, refs: Sequence[str], out: IO[bytes]) -> None:
        """`docker save REF...` into `out`: one tar with the images, named by all of `refs`."""
        # The SDK's get_image takes one name, and its tar then carries only that one; the
        # engine's /images/get takes several, so `docker load` gives every name back.
        url = f"{self._api.base_url}/v{self._api.api_version}/images/get"
        with _translated(f"saving {' '.join(refs)}"):
            response = self._api.get(url, params={"names": list(refs)}, stream=True, timeout=1800)
            try:
                response.raise_for_status()
            except requests.exceptions.HTTPError as exc:
                docker.errors.create_api_error_from_http_exception(exc)  # raises
            for chunk in response.iter_content(chunk_size=CHUNK):
                out.write(chunk)

    def load_images(self, data: Readable) -> list[str]:
        """`docker load` of a `docker save` tar read from `data` piece by piece.

        Returns what the engine says it loaded: names, or IDs of images without one."""
        chunks = iter(lambda: data.read(CHUNK), b"")
        loaded: list[str] = []
        with _translated("loading images"), self._patience():
            for message in self._api.load_image(chunks):
                if "error" in message or "errorDetail" in message:
                    error = message.get("error") or message["errorDetail"].get("message")
                    raise ImageError(
                        f"the engine could not load the images: {error}",
                        "the tar is damaged, or is not what `docker save` writes",
                    )
                found = re.match(r"Loaded image(?: ID)?: (\S+)", message.get("stream", ""))
                if found:
                    loaded.append(found[1])
        return loaded

    def remove_image(self, ref: str, *, force: bool = False) -> None:
        """`docker rmi REF`: the name `ref`; given an image ID and `force`, every name of it
        and the image (refused while a running container uses it)."""
        with _translated(f"removing image {ref}"):
            self._api.remove_image(ref, force=force)

    @contextlib.contextmanager
    def _patience(self, timeout_s: int = 1800) -> Iterator[None]:
        """A longer answer timeout for the block: building or importing an image takes minutes."""
        usual = self._api.timeout
        self._api.timeout = timeout_s
        try:
            yield
        finally:
            self._api.timeout = usual

    # -- containers ----------------------------------------------------------------------

    def create(
        self,
        image: str,
        command: list[str],
        labels: Mapping[str, str],
        *,
        working_dir: str = "/",
        environment: Mapping[str, str] | None = None,
        confinement: Confinement | None = None,
        docker_init: bool = False,
    ) -> str:
        """A new, stopped container, confined as sandbox/confine.py says. Returns its ID.

        `docker_init`: Docker's own init runs as PID 1 and starts `command` (`--init`).
        """
        if self.image_id(image) is None:  # containers.create would otherwise try to pull
            raise ImageError(f"the engine has no image {image}", "run `make image`")
        confinement = confinement or Confinement()  # every container is confined
        limits = confinement.limits
        mounts = [
            docker.types.Mount(target, source, type="bind", read_only=True)
            for target, source in confinement.files.items()
        ] + [
            docker.types.Mount(target, source, type="bind", read_only=False)
            for target, source in confinement.writable.items()
        ]
        with _translated(f"creating a container from {image}"):
            try:
                container = self._client.containers.create(
                    image,
                    command=command,
                    labels=dict(labels),
                    network_mode=confine.NETWORK,
                    cap_drop=list(confine.CAP_DROP),
                    cap_add=list(confine.CAP_ADD) or None,
                    security_opt=list(confine.SECURITY_OPT),
                    read_only=True,
                    tmpfs=dict(confine.TMPFS),
                    mounts=mounts,
                    mem_limit=limits.memory,
                    memswap_limit=limits.memory,  # no swap beyond the memory limit
                    pids_limit=limits.pids,
                    working_dir=working_dir,
                    environment=dict(environment or {}),
                    init=docker_init or None,
                    detach=True,
                )
            except docker.errors.APIError as exc:
                if "bind source path does not exist" in str(exc.explanation or exc):
                    raise EngineUnavailable(
                        f"the engine at {self.endpoint} cannot see this machine's files, and "
                        "the scenario's files are mounted from here, read-only",
                        "run on the machine the engine runs on (unset DOCKER_HOST)",
                    ) from exc
                raise
        return str(container.id)

    def confinement(self, container_id: str) -> Mapping[str, Any]:
        """What `docker inspect` says confines the container: its HostConfig and Mounts."""
        with _translated(f"inspecting container {container_id[:12]}"):
            found = self._api.inspect_container(container_id)
        return {"HostConfig": dict(found["HostConfig"]), "Mounts": list(found["Mounts"])}

    def start(self, container_id: str) -> None:
        with _translated(f"starting container {container_id[:12]}"):
            self._api.start(container_id)

    def read_file(self, container_id: str, path: str) -> bytes:
        """The content of file `path` in a container, running or ended (`docker cp` out)."""
        with _translated(f"copying {path} out of {container_id[:12]}"):
            chunks, _ = self._api.get_archive(container_id, path)
            archive = b"".join(chunks)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            member = tar.next()
            content = tar.extractfile(member) if member is not None else None
            if content is None:
                raise EngineError(f"{path} in {container_id[:12]} is not a regular file")
            return content.read()

    def stop(self, container_id: str, grace_s: int) -> None:
        """`docker stop -t grace_s`: SIGTERM to PID 1, SIGKILL after the grace period."""
        with _translated(f"stopping container {container_id[:12]}"):
            self._api.stop(container_id, timeout=grace_s)

    def signal(self, container_id: str, signal: str) -> None:
        """`docker kill --signal SIGNAL`: the signal to PID 1, from outside the container."""
        with _translated(f"signalling container {container_id[:12]}"):
            self._api.kill(container_id, signal=signal)

    def output(self, container_id: str) -> Iterator[bytes]:
        """What the container's PID 1 prints, from its start until it ends (stdout and stderr)."""
        with _translated(f"reading the output of {container_id[:12]}"):
            stream = self._api.logs(container_id, stream=True, follow=True)
        return _translated_stream(stream, f"reading the output of {container_id[:12]}")

    def wait(self, container_id: str, timeout_s: int = 5) -> int:
        """The exit code of a container whose PID 1 has ended (or ends within `timeout_s`)."""
        with _translated(f"waiting for container {container_id[:12]} to end"):
            try:
                result = self._api.wait(container_id, timeout=timeout_s)
            except requests.exceptions.ReadTimeout as exc:
                raise EngineError(
                    f"container {container_id[:12]} still runs {timeout_s:g} s later"
                ) from exc
        return int(result["StatusCode"])

    def state(self, container_id: str) -> Mapping[str, Any]:
        """The container's State (Running, Pid, ExitCode, ...)."""
        with _translated(f"inspecting container {container_id[:12]}"):
            return dict(self._api.inspect_container(container_id)["State"])

    def interactive(
        self,
        container_id: str,
        argv: list[str],
        *,
        environment: Mapping[str, str],
        working_dir: str,
    ) -> int:
        """`docker exec -it`: `argv` on this terminal, until it exits. Returns its status.

        The docker command-line client does it: it owns the terminal's raw mode, window
        size and signals, which the SDK leaves to the caller. It reaches the same engine
        (DOCKER_HOST, or the default socket), as the SDK does.
        """
        client = shutil.which("docker")
        if client is None:
            raise EngineError(
                "an interactive shell needs the docker command-line client, which is not on PATH",
                "install it (Debian: `apt-get install docker.io`; elsewhere docker-ce-cli)",
            )
        options = [f"--env={name}={value}" for name, value in environment.items()]
        command = [client, "exec", "-it", f"--workdir={working_dir}", *options, container_id]
        return subprocess.run([*command, *argv], check=False).returncode

    def remove(self, container_id: str) -> None:
        """Kill and remove a container; one that is already gone is fine."""
        try:
            self._api.remove_container(container_id, force=True, v=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if exc.response is not None and exc.response.status_code == 409:
                return  # removal already in progress
            raise EngineError(f"removing container {container_id[:12]}: {exc}") from exc
        except (requests.exceptions.ConnectionError, docker.errors.DockerException) as exc:
            raise EngineUnavailable(
                f"removing container {container_id[:12]}: lost the engine", START_HINT
            ) from exc

    def containers_labelled(self, **labels: str) -> list[str]:
        """IDs of all containers, running or not, carrying the project label and `labels`."""
        filters = [LABEL] + [f"{key}={value}" for key, value in labels.items()]
        with _translated("listing the project's containers"):
            found = self._api.containers(all=True, filters={"label": filters})
        return [str(c["Id"]) for c in found]

    def labelled_containers(self) -> dict[str, dict[str, str]]:
        """Every container, running or not, carrying the project label: ID -> its labels."""
        with _translated("listing the project's containers"):
            found = self._api.containers(all=True, filters={"label": [LABEL]})
        return {str(c["Id"]): dict(c.get("Labels") or {}) for c in found}

    # -- commands inside a container -----------------------------------------------------

    def exec_start(
        self,
        container_id: str,
        argv: list[str],
        *,
        environment: Mapping[str, str] | None = None,
        working_dir: str | None = None,
    ) -> tuple[str, Iterator[bytes]]:
        """Start `argv` inside the container; returns the exec ID and its output stream."""
        with _translated(f"running {argv[0]} in {container_id[:12]}"):
            exec_id = str(
                self._api.exec_create(
                    container_id, argv, environment=dict(environment or {}), workdir=working_dir
                )["Id"]
            )
            stream = self._api.exec_start(exec_id, stream=True)
        return exec_id, _translated_stream(stream, f"reading {argv[0]} in {container_id[:12]}")

    def exec_exit_code(self, exec_id: str, timeout_s: float = 5.0) -> int:
        """The exit code of a finished exec (its output stream has ended)."""
        # The engine records the exit a moment after the output stream ends.
        with _translated("asking an exec's exit code"):
            try:
                info = wait_until(
                    lambda: self._api.exec_inspect(exec_id),
                    lambda i: not i["Running"] and i["ExitCode"] is not None,
                    timeout_s=timeout_s,
                    what=f"exec {exec_id[:12]} to end",
                    interval_s=0.005,
                )
            except Timeout as exc:
                raise EngineError(str(exc)) from exc
        return int(info["ExitCode"])

    def exec_run(
        self,
        container_id: str,
        argv: list[str],
        *,
        environment: Mapping[str, str] | None = None,
        working_dir: str | None = None,
    ) -> ExecResult:
        """Run `argv` inside the container to its end."""
        exec_id, stream = self.exec_start(
            container_id, argv, environment=environment, working_dir=working_dir
        )
        output = b"".join(stream)
        return ExecResult(self.exec_exit_code(exec_id), output.decode("utf-8", "replace"))


def _translated_stream(stream: Iterator[bytes], what: str) -> Iterator[bytes]:
    with _translated(what):
        yield from stream


def _endpoint_hint() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
