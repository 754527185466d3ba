import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Turn(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TURN_UNSPECIFIED: _ClassVar[Turn]
    TURN_FIRST: _ClassVar[Turn]
    TURN_MIDDLE: _ClassVar[Turn]
    TURN_LAST: _ClassVar[Turn]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_INFO: _ClassVar[Severity]
    SEVERITY_WARNING: _ClassVar[Severity]
    SEVERITY_ERROR: _ClassVar[Severity]

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_CUSTOMER: _ClassVar[Role]
    ROLE_AGENT: _ClassVar[Role]
TURN_UNSPECIFIED: Turn
TURN_FIRST: Turn
TURN_MIDDLE: Turn
TURN_LAST: Turn
SEVERITY_UNSPECIFIED: Severity
SEVERITY_INFO: Severity
SEVERITY_WARNING: Severity
SEVERITY_ERROR: Severity
ROLE_UNSPECIFIED: Role
ROLE_CUSTOMER: Role
ROLE_AGENT: Role

class Context(_message.Message):
    __slots__ = ("turn", "customer_message", "channel", "locale", "sent_at", "attributes", "time_zone", "conversation")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TURN_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    turn: Turn
    customer_message: str
    channel: str
    locale: str
    sent_at: _timestamp_pb2.Timestamp
    attributes: _containers.ScalarMap[str, str]
    time_zone: str
    conversation: _containers.RepeatedCompositeFieldContainer[ConversationTurn]
    def __init__(self, turn: _Optional[_Union[Turn, str]] = ..., customer_message: _Optional[str] = ..., channel: _Optional[str] = ..., locale: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attributes: _Optional[_Mapping[str, str]] = ..., time_zone: _Optional[str] = ..., conversation: _Optional[_Iterable[_Union[ConversationTurn, _Mapping]]] = ...) -> None: ...

class ConversationTurn(_message.Message):
    __slots__ = ("role", "text", "sent_at")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    role: Role
    text: str
    sent_at: _timestamp_pb2.Timestamp
    def __init__(self, role: _Optional[_Union[Role, str]] = ..., text: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CheckRequest(_message.Message):
    __slots__ = ("text", "ruleset", "context", "request_id", "sequence", "explain", "omit_rationale")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RULESET_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    EXPLAIN_FIELD_NUMBER: _ClassVar[int]
    OMIT_RATIONALE_FIELD_NUMBER: _ClassVar[int]
    text: str
    ruleset: str
    context: Context
    request_id: str
    sequence: int
    explain: bool
    omit_rationale: bool
    def __init__(self, text: _Optional[str] = ..., ruleset: _Optional[str] = ..., context: _Optional[_Union[Context, _Mapping]] = ..., request_id: _Optional[str] = ..., sequence: _Optional[int] = ..., explain: _Optional[bool] = ..., omit_rationale: _Optional[bool] = ...) -> None: ...

class Span(_message.Message):
    __slots__ = ("start", "end", "utf16_start", "utf16_end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    UTF16_START_FIELD_NUMBER: _ClassVar[int]
    UTF16_END_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    utf16_start: int
    utf16_end: int
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ..., utf16_start: _Optional[int] = ..., utf16_end: _Optional[int] = ...) -> None: ...

class Edit(_message.Message):
    __slots__ = ("span", "replacement")
    SPAN_FIELD_NUMBER: _ClassVar[int]
    REPLACEMENT_FIELD_NUMBER: _ClassVar[int]
    span: Span
    replacement: str
    def __init__(self, span: _Optional[_Union[Span, _Mapping]] = ..., replacement: _Optional[str] = ...) -> None: ...

class Suggestion(_message.Message):
    __slots__ = ("description", "edits")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EDITS_FIELD_NUMBER: _ClassVar[int]
    description: str
    edits: _containers.RepeatedCompositeFieldContainer[Edit]
    def __init__(self, description: _Optional[str] = ..., edits: _Optional[_Iterable[_Union[Edit, _Mapping]]] = ...) -> None: ...

class Violation(_message.Message):
    __slots__ = ("rule_id", "category", "severity", "message", "span", "matched_text", "suggestions", "id", "rationale", "pack", "turn_index")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    MATCHED_TEXT_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    RATIONALE_FIELD_NUMBER: _ClassVar[int]
    PACK_FIELD_NUMBER: _ClassVar[int]
    TURN_INDEX_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    category: str
    severity: Severity
    message: str
    span: Span
    matched_text: str
    suggestions: _containers.RepeatedCompositeFieldContainer[Suggestion]
    id: str
    rationale: str
    pack: str
    turn_index: int
    def __init__(self, rule_id: _Optional[str] = ..., category: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., message: _Optional[str] = ..., span: _Optional[_Union[Span, _Mapping]] = ..., matched_text: _Optional[str] = ..., suggestions: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ..., id: _Optional[str] = ..., rationale: _Optional[str] = ..., pack: _Optional[str] = ..., turn_index: _Optional[int] = ...) -> None: ...

class CheckResponse(_message.Message):
    __slots__ = ("violations", "rewritten_text", "compliant", "ruleset", "ruleset_version", "request_id", "sequence", "applied_edits", "explanation")
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    REWRITTEN_TEXT_FIELD_NUMBER: _ClassVar[int]
    COMPLIANT_FIELD_NUMBER: _ClassVar[int]
    RULESET_FIELD_NUMBER: _ClassVar[int]
    RULESET_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    APPLIED_EDITS_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    violations: _containers.RepeatedCompositeFieldContainer[Violation]
    rewritten_text: str
    compliant: bool
    ruleset: str
    ruleset_version: str
    request_id: str
    sequence: int
    applied_edits: _containers.RepeatedCompositeFieldContainer[Edit]
    explanation: Explanation
    def __init__(self, violations: _Optional[_Iterable[_Union[Violation, _Mapping]]] = ..., rewritten_text: _Optional[str] = ..., compliant: _Optional[bool] = ..., ruleset: _Optional[str] = ..., ruleset_version: _Optional[str] = ..., request_id: _Optional[str] = ..., sequence: _Optional[int] = ..., applied_edits: _Optional[_Iterable[_Union[Edit, _Mapping]]] = ..., explanation: _Optional[_Union[Explanation, _Mapping]] = ...) -> None: ...

class Explanation(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[RuleTrace]
    def __init__(self, rules: _Optional[_Iterable[_Union[RuleTrace, _Mapping]]] = ...) -> None: ...

class RuleTrace(_message.Message):
    __slots__ = ("rule_id", "category", "severity", "location", "verdict", "reason", "when", "unless", "removed", "kept")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    WHEN_FIELD_NUMBER: _ClassVar[int]
    UNLESS_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    KEPT_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    category: str
    severity: Severity
    location: str
    verdict: str
    reason: str
    when: ConditionTrace
    unless: _containers.RepeatedCompositeFieldContainer[ConditionTrace]
    removed: _containers.RepeatedCompositeFieldContainer[Removal]
    kept: _containers.RepeatedCompositeFieldContainer[TracedSpan]
    def __init__(self, rule_id: _Optional[str] = ..., category: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., location: _Optional[str] = ..., verdict: _Optional[str] = ..., reason: _Optional[str] = ..., when: _Optional[_Union[ConditionTrace, _Mapping]] = ..., unless: _Optional[_Iterable[_Union[ConditionTrace, _Mapping]]] = ..., removed: _Optional[_Iterable[_Union[Removal, _Mapping]]] = ..., kept: _Optional[_Iterable[_Union[TracedSpan, _Mapping]]] = ...) -> None: ...

class ConditionTrace(_message.Message):
    __slots__ = ("kind", "source", "location", "holds", "spans", "note", "children", "on_customer")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    SPANS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    ON_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    kind: str
    source: str
    location: str
    holds: bool
    spans: _containers.RepeatedCompositeFieldContainer[TracedSpan]
    note: str
    children: _containers.RepeatedCompositeFieldContainer[ConditionTrace]
    on_customer: bool
    def __init__(self, kind: _Optional[str] = ..., source: _Optional[str] = ..., location: _Optional[str] = ..., holds: _Optional[bool] = ..., spans: _Optional[_Iterable[_Union[TracedSpan, _Mapping]]] = ..., note: _Optional[str] = ..., children: _Optional[_Iterable[_Union[ConditionTrace, _Mapping]]] = ..., on_customer: _Optional[bool] = ...) -> None: ...

class Removal(_message.Message):
    __slots__ = ("span", "by", "source", "location", "cue", "scope", "direction", "distance", "within")
    SPAN_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CUE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    WITHIN_FIELD_NUMBER: _ClassVar[int]
    span: TracedSpan
    by: str
    source: str
    location: str
    cue: TracedSpan
    scope: str
    direction: str
    distance: int
    within: int
    def __init__(self, span: _Optional[_Union[TracedSpan, _Mapping]] = ..., by: _Optional[str] = ..., source: _Optional[str] = ..., location: _Optional[str] = ..., cue: _Optional[_Union[TracedSpan, _Mapping]] = ..., scope: _Optional[str] = ..., direction: _Optional[str] = ..., distance: _Optional[int] = ..., within: _Optional[int] = ...) -> None: ...

class TracedSpan(_message.Message):
    __slots__ = ("span", "text")
    SPAN_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    span: Span
    text: str
    def __init__(self, span: _Optional[_Union[Span, _Mapping]] = ..., text: _Optional[str] = ...) -> None: ...

class CheckStreamRequest(_message.Message):
    __slots__ = ("draft",)
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    draft: CheckRequest
    def __init__(self, draft: _Optional[_Union[CheckRequest, _Mapping]] = ...) -> None: ...

class CheckStreamResponse(_message.Message):
    __slots__ = ("result", "skipped_drafts")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_DRAFTS_FIELD_NUMBER: _ClassVar[int]
    result: CheckResponse
    skipped_drafts: int
    def __init__(self, result: _Optional[_Union[CheckResponse, _Mapping]] = ..., skipped_drafts: _Optional[int] = ...) -> None: ...

class BatchCheckRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[CheckRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[CheckRequest, _Mapping]]] = ...) -> None: ...

class BatchCheckError(_message.Message):
    __slots__ = ("index", "code", "message")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    index: int
    code: int
    message: str
    def __init__(self, index: _Optional[int] = ..., code: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class BatchCheckResponse(_message.Message):
    __slots__ = ("responses", "errors")
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    responses: _containers.RepeatedCompositeFieldContainer[CheckResponse]
    errors: _containers.RepeatedCompositeFieldContainer[BatchCheckError]
    def __init__(self, responses: _Optional[_Iterable[_Union[CheckResponse, _Mapping]]] = ..., errors: _Optional[_Iterable[_Union[BatchCheckError, _Mapping]]] = ...) -> None: ...

class ListRulesRequest(_message.Message):
    __slots__ = ("ruleset",)
    RULESET_FIELD_NUMBER: _ClassVar[int]
    ruleset: str
    def __init__(self, ruleset: _Optional[str] = ...) -> None: ...

class RuleInfo(_message.Message):
    __slots__ = ("id", "category", "severity", "description", "pack", "rationale")
    ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PACK_FIELD_NUMBER: _ClassVar[int]
    RATIONALE_FIELD_NUMBER: _ClassVar[int]
    id: str
    category: str
    severity: Severity
    description: str
    pack: str
    rationale: str
    def __init__(self, id: _Optional[str] = ..., category: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., description: _Optional[str] = ..., pack: _Optional[str] = ..., rationale: _Optional[str] = ...) -> None: ...

class ListRulesResponse(_message.Message):
    __slots__ = ("ruleset", "ruleset_version", "rules", "available_rulesets")
    RULESET_FIELD_NUMBER: _ClassVar[int]
    RULESET_VERSION_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_RULESETS_FIELD_NUMBER: _ClassVar[int]
    ruleset: str
    ruleset_version: str
    rules: _containers.RepeatedCompositeFieldContainer[RuleInfo]
    available_rulesets: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ruleset: _Optional[str] = ..., ruleset_version: _Optional[str] = ..., rules: _Optional[_Iterable[_Union[RuleInfo, _Mapping]]] = ..., available_rulesets: _Optional[_Iterable[str]] = ...) -> None: ...
