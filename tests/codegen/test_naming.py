from pathlib import Path

from codegen import naming


def test_snake_case_splits_acronyms_and_words() -> None:
    assert naming.snake_case("SdkAppId") == "sdk_app_id"
    assert naming.snake_case("AppID") == "app_id"
    assert naming.snake_case("CRInternalError") == "cr_internal_error"
    assert naming.snake_case("UserIds") == "user_ids"
    assert naming.snake_case("Ipv6Address") == "ipv6_address"
    assert naming.snake_case("UUI") == "uui"


def test_attribute_names_never_clash_with_keywords_or_annotation_names() -> None:
    assert naming.attribute_name("From") == "from_"
    assert naming.attribute_name("Match") == "match_"
    assert naming.attribute_name("Case") == "case_"
    assert naming.attribute_name("Async") == "async_"
    assert naming.attribute_name("List") == "list_"
    assert naming.attribute_name("Int") == "int_"
    assert naming.attribute_name("Type") == "type"
    assert naming.attribute_name("_Hidden") == "hidden"
    assert naming.attribute_name("9Lives") == "field_9_lives"
    # The client methods' own parameters.
    assert naming.attribute_name("Self") == "self_"
    assert naming.attribute_name("ExtraParams") == "extra_params_"
    assert naming.attribute_name("ExtraParam") == "extra_param"
    # A name with nothing left takes the fallback, itself checked: datamodel-
    # code-generator refuses an attribute named "field".
    assert naming.attribute_name("_") == naming.attribute_name("\u00e9") == "field_"


def test_enum_members_split_codes_on_dots_and_word_boundaries() -> None:
    assert naming.enum_member("AuthFailure.UnRealNameAuthenticated") == "AUTH_FAILURE_UN_REAL_NAME_AUTHENTICATED"
    assert naming.enum_member("UnsupportedOperation.NOT_SUPPORT_THIS_ACTION") == (
        "UNSUPPORTED_OPERATION_NOT_SUPPORT_THIS_ACTION"
    )
    assert naming.enum_member("InvalidParameter.") == "INVALID_PARAMETER"
    assert naming.enum_member("FailedOperation.CRUnsupportMethod") == "FAILED_OPERATION_CR_UNSUPPORT_METHOD"


def test_disambiguate_is_independent_of_declaration_order() -> None:
    forward = naming.disambiguate([("AppID", "app_id"), ("AppId", "app_id")])
    backward = naming.disambiguate([("AppId", "app_id"), ("AppID", "app_id")])
    assert forward == backward == {"AppID": "app_id", "AppId": "app_id_2"}


def test_disambiguate_respects_taken_names_and_existing_suffixes() -> None:
    result = naming.disambiguate([("A", "x"), ("B", "x"), ("C", "x_2")], taken=["x"])
    assert len(set(result.values())) == 3
    assert "x" not in result.values()


def test_module_and_class_names() -> None:
    assert naming.service_module("as") == "as_"
    assert naming.version_module("2019-07-22") == "v20190722"
    assert naming.client_class("trtc") == "TrtcClient"
    assert naming.async_client_class("trtc") == "AsyncTrtcClient"
    assert naming.method_name("DismissRoomByStrRoomId") == "dismiss_room_by_str_room_id"
    assert naming.category_class("AuthFailure") == "AuthFailureError"
    assert naming.category_class("InternalError") == "InternalError"


def test_categories_never_take_a_runtime_exception_name() -> None:
    import ast

    source = (Path(__file__).resolve().parents[2] / "templates" / "runtime" / "exceptions.py").read_text()
    defined = {n.name for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name.endswith("Error")}
    assert defined == naming.RUNTIME_EXCEPTIONS
    assert naming.category_class("Response") == "ResponseCodeError"
    assert naming.category_class("TransportError") == "TransportCodeError"
    assert naming.category_class("AuthFailure") == "AuthFailureError"
