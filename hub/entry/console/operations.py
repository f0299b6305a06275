"""The operators' pages: failed jobs, trusted certificates, the facility list, clients and officers."""

from __future__ import annotations

import base64

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from hub.clients.officers import SignedIn
from hub.entry.console import queries as q
from hub.entry.console.pages import PREFIX, Pages


class OperationPages(Pages):
    """What operators keep running: jobs, certificates, clients and officers."""

    async def failed_jobs(self, request: Request, officer: SignedIn) -> Response:
        data = await self.api.run(officer.principal, q.FAILED_JOBS, {"after": request.query_params.get("after")})
        connection = data["failedJobs"]
        values = {
            "jobs": [edge["node"] for edge in connection["edges"]],
            "total": connection["totalCount"],
            "next_cursor": connection["pageInfo"]["endCursor"] if connection["pageInfo"]["hasNextPage"] else None,
            "errors": request.query_params.getlist("error"),
            "done": request.query_params.get("done"),
        }
        return self._render(request, "failed_jobs.html", officer, values)

    async def retry_job(self, request: Request, officer: SignedIn) -> Response:
        job_id = request.path_params["id"]
        if not job_id.isdigit():
            return self._redirect(f"{PREFIX}/operator/jobs")
        payload = (await self.api.run(officer.principal, q.RETRY_JOB, {"id": int(job_id)}))["retryJob"]
        return self._redirect(f"{PREFIX}/operator/jobs?{self._errors_query(request, payload)}")

    async def create_officer(self, request: Request, officer: SignedIn) -> Response:
        form = await request.form()
        variables = {
            "input": {
                "username": str(form.get("username", "")).strip(),
                "clientName": str(form.get("client", "")).strip(),
                "password": str(form.get("password", "")) or None,
            }
        }
        payload = (await self.api.run(officer.principal, q.CREATE_OFFICER, variables))["createOfficer"]
        return self._redirect(f"{PREFIX}/operator/clients?{self._errors_query(request, payload)}")

    async def unlock_officer(self, request: Request, officer: SignedIn) -> Response:
        variables = {"username": str((await request.form()).get("username", ""))}
        payload = (await self.api.run(officer.principal, q.UNLOCK_OFFICER, variables))["unlockOfficer"]
        return self._redirect(f"{PREFIX}/operator/clients?{self._errors_query(request, payload)}")

    async def certificates(self, request: Request, officer: SignedIn) -> Response:
        party = request.query_params.get("party", "").strip() or None
        include_retired = bool(request.query_params.get("all"))
        data = await self.api.run(officer.principal, q.CERTIFICATES, {"party": party, "all": include_retired})
        values = {
            "certificates": data["certificates"],
            "party": party or "",
            "all": include_retired,
            "errors": request.query_params.getlist("error"),
            "done": request.query_params.get("done"),
        }
        return self._render(request, "certificates.html", officer, values)

    async def import_certificate(self, request: Request, officer: SignedIn) -> Response:
        form = await request.form()
        variables = {"party": str(form.get("party", "")).strip(), "pem": str(form.get("pem", ""))}
        payload = (await self.api.run(officer.principal, q.IMPORT_CERTIFICATE, variables))["importCertificate"]
        return self._redirect(f"{PREFIX}/operator/certificates?{self._errors_query(request, payload)}")

    async def retire_certificate(self, request: Request, officer: SignedIn) -> Response:
        form = await request.form()
        variables = {"fingerprint": str(form.get("fingerprint", "")), "reason": str(form.get("reason", "")).strip()}
        payload = (await self.api.run(officer.principal, q.RETIRE_CERTIFICATE, variables))["retireCertificate"]
        return self._redirect(f"{PREFIX}/operator/certificates?{self._errors_query(request, payload)}")

    async def facilities(self, request: Request, officer: SignedIn) -> Response:
        return self._render(request, "facilities.html", officer, {})

    async def import_facilities(self, request: Request, officer: SignedIn) -> Response:
        """The uploaded list handed to importFacilities, which queues its import: on to the import's page."""
        form = await request.form()
        upload = form.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                return self._render(request, "facilities.html", officer, {"missing": True}, status=400)
            content = await upload.read()
        finally:
            await form.close()  # the upload's spooled file
        variables = {"name": upload.filename, "content": base64.b64encode(content).decode()}
        started = (await self.api.run(officer.principal, q.IMPORT_FACILITIES, variables))["importFacilities"]
        if started["facilityImport"] is None:
            values = {"problem": started["problem"], "file_name": upload.filename}
            return self._render(request, "facilities.html", officer, values, status=400)
        return self._redirect(f"{PREFIX}/operator/facilities/imports/{started['facilityImport']['id']}")

    async def facility_import(self, request: Request, officer: SignedIn) -> Response:
        """An import's progress, polled by the page (htmx) until it is done; then its counts and rejected rows."""
        variables = {"id": request.path_params["id"]}
        found = (await self.api.run(officer.principal, q.FACILITY_IMPORT, variables))["facilityImport"]
        if found is None:
            return self._render(request, "error.html", officer, {"message": "not_found"}, status=404)
        return self._render(request, "facility_import.html", officer, {"job": found})

    async def clients(self, request: Request, officer: SignedIn) -> Response:
        data = await self.api.run(officer.principal, q.CLIENTS)
        values = {
            "clients": data["clients"],
            "officers": data["officers"],
            "errors": request.query_params.getlist("error"),
            "done": request.query_params.get("done"),
        }
        return self._render(request, "clients.html", officer, values)
