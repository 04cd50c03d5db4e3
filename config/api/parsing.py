from rest_framework import serializers


def parse(serializer_class: type[serializers.Serializer], data, **kwargs) -> dict:
    """Validate input with an input serializer; invalid input raises (422 problem)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
