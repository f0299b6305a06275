"""The GraphQL operations the console's pages run: the same documents an integrator could send."""

from __future__ import annotations

WORKLIST = """
query Worklist($filter: ClaimFilterInput, $first: Int!, $after: String) {
  claims(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      reference kind state personName provinceCode eventDate dueOn overdue amountVnd origin filedOn
      needsConfirmation assignedTo
    } }
  }
}
"""

CLAIM = """
query Claim($reference: String!) {
  claim(reference: $reference) {
    claim {
      reference kind state personId personName provinceCode eventDate origin eligible amountVnd approvedAmountVnd
      needsConfirmation filedOn dueOn decisionReason decidedBy decidedAt createdAt overdue assignedTo assignedAt
      filing { returnedToWork employeeBy employerBy late }
      paidVnd recoveredVnd toPayVnd toRecoverVnd
      adjustments { kind amountVnd orderedAt settledAt }
      computation {
        law eventDate eligible amountVnd paidDays leaveMonths roundingVi roundingEn
        reasons { code messageVi messageEn }
        explanation { rule source arithmetic textVi textEn }
      }
    }
    history { state occurredAt actor details }
    payments { kind amountVnd createdAt confirmedAt confirmedBy }
    evidenceMetadata { id issuer docType number version state issuedOn receivedAt }
    evidence {
      id version
      verification { result reasonCode signer certificateSubject certificateSerial certificateNotAfter checkedAt }
    }
    usage {
      months12 { month salaryVnd compulsory workType }
      months24 { month salaryVnd compulsory workType }
      daysUsedThisYear { kind child days }
    }
  }
}
"""

PERSON = """
query Person($id: ID!, $purpose: Purpose!) {
  person(id: $id, purpose: $purpose) {
    fullName gender dateOfBirth personalIdNumber bhxhCode provinceCode communeCode address
  }
}
"""

_CLAIM_PAYLOAD = "{ claim { reference state } errors { code message messageVi } }"
DECIDE = f"""
mutation Decide($reference: String!, $decision: ClaimDecision!, $reason: String!) {{
  decideClaim(reference: $reference, decision: $decision, reason: $reason) {_CLAIM_PAYLOAD}
}}
"""
TAKE = f"""
mutation Take($reference: String!) {{ takeClaim(reference: $reference) {_CLAIM_PAYLOAD} }}
"""
RELEASE = f"""
mutation Release($reference: String!) {{ releaseClaim(reference: $reference) {_CLAIM_PAYLOAD} }}
"""
DECLARE_DISEASE = f"""
mutation DeclareDisease($reference: String!, $icd10: String!) {{
  declareLongTermDisease(reference: $reference, icd10: $icd10) {_CLAIM_PAYLOAD}
}}
"""
PAY = f"""
mutation Pay($reference: String!) {{ payClaim(reference: $reference) {_CLAIM_PAYLOAD} }}
"""
CONFIRM = f"""
mutation Confirm($reference: String!) {{ confirmClaimAdjustment(reference: $reference) {_CLAIM_PAYLOAD} }}
"""

CASES = """
query Cases($filter: CaseFilterInput, $first: Int!, $after: String) {
  childCardCases(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      reference state registryOfficeCode bookNumber recordNumber childName childPersonalIdNumber facilityCode
      registeredOn receivedAt issuedAt
    } }
  }
}
"""

CASE = """
query Case($reference: String!) {
  childCardCase(reference: $reference) {
    reference registryOfficeCode bookNumber recordNumber registeredOn state childName childPersonalIdNumber
    populationCheck version receivedAt issuedAt
    reasons { field code message messageVi }
    cards {
      version cardNumber bhxhCode validFrom validTo facilityCode guardianName address delivery issuedAt
      supersededAt revokedAt revokeReason
    }
    history { state occurredAt details }
  }
}
"""

REVIEWS = """
query Reviews {
  childCardReviews {
    id caseReference childName registryOfficeCode reason createdAt
    candidate { fullName dateOfBirth gender personalIdNumber communeCode }
  }
}
"""

DECIDE_REVIEW = """
mutation DecideReview($id: ID!, $samePerson: Boolean!) {
  decideChildCardReview(id: $id, samePerson: $samePerson) { caseReference state errors { code message messageVi } }
}
"""

FACILITY_REQUESTS = """
query FacilityRequests($state: FacilityRequestState) {
  facilityRequests(state: $state) {
    id code name provinceCode communeCode note state requestedBy requestedAt decidedBy decidedAt decisionReason
  }
}
"""

# A report's figures, or with $xlsx its Excel workbook alone.
REPORT = """
query Report($first: Date!, $last: Date!, $xlsx: Boolean! = false) {
  childCardReport(firstDay: $first, lastDay: $last) {
    ... @skip(if: $xlsx) {
      firstDay lastDay generatedAt overdueBefore
      rows { level levelLabel levelLabelVi code name nameEn received issued rejected cancelled waiting overdue }
    }
    xlsxBase64 @include(if: $xlsx)
  }
}
"""

CLAIMS_REPORT = """
query ClaimsReport($first: Date!, $last: Date!, $xlsx: Boolean! = false) {
  claimsReport(firstDay: $first, lastDay: $last) {
    ... @skip(if: $xlsx) {
      firstDay lastDay generatedAt ageBuckets
      rows { level levelLabel levelLabelVi code name nameEn decided onTime onTimeRate waiting overdue byAge }
    }
    xlsxBase64 @include(if: $xlsx)
  }
}
"""

FAILED_JOBS = """
query FailedJobs($after: String) {
  failedJobs(first: 50, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id kind queue attempts sends createdAt finishedAt lastError } }
  }
}
"""

CLIENTS = """
query Clients {
  clients { name kind roles jurisdiction { level code } createdAt revokedAt }
  officers { username clientName jurisdiction { level code } locked createdAt lastSignInAt }
}
"""

CERTIFICATES = """
query Certificates($party: String, $all: Boolean!) {
  certificates(party: $party, includeRetired: $all) {
    party fingerprint subject serial notBefore notAfter addedAt addedBy retiredAt retiredReason
  }
}
"""

IMPORT_CERTIFICATE = """
mutation ImportCertificate($party: String!, $pem: String!) {
  importCertificate(party: $party, pem: $pem) { certificates { fingerprint } errors { code message messageVi } }
}
"""

RETIRE_CERTIFICATE = """
mutation RetireCertificate($fingerprint: String!, $reason: String!) {
  retireCertificate(fingerprint: $fingerprint, reason: $reason) {
    certificate { fingerprint }
    errors { code message messageVi }
  }
}
"""

APPROVE_FACILITY_REQUEST = """
mutation ApproveFacilityRequest($id: ID!, $input: ApprovalInput!) {
  approveFacilityRequest(id: $id, input: $input) { request { state } errors { code message messageVi } }
}
"""

REJECT_FACILITY_REQUEST = """
mutation RejectFacilityRequest($id: ID!, $reason: String!) {
  rejectFacilityRequest(id: $id, reason: $reason) { request { state } errors { code message messageVi } }
}
"""

RETRY_JOB = """
mutation RetryJob($id: Int!) { retryJob(id: $id) { job { id } errors { code message messageVi } } }
"""

CREATE_OFFICER = """
mutation CreateOfficer($input: CreateOfficerInput!) {
  createOfficer(input: $input) { officer { username } errors { code message messageVi } }
}
"""

UNLOCK_OFFICER = """
mutation UnlockOfficer($username: String!) {
  unlockOfficer(username: $username) { officer { username } errors { code message messageVi } }
}
"""

IMPORT_FACILITIES = """
mutation ImportFacilities($name: String!, $content: String!) {
  importFacilities(fileName: $name, contentBase64: $content) { facilityImport { id } problem }
}
"""

FACILITY_IMPORT = """
query FacilityImport($id: ID!) {
  facilityImport(id: $id) {
    id fileName state totalRows rowsDone created updated unchanged rejectedCount problem
    rejected(first: 200) { row code errors { field code message messageVi } }
  }
}
"""
