"""tencentcloud-codegen: typed Python bindings from Tencent Cloud API 3.0 specs.

The pipeline, one module per stage: ``loader`` (read and check spec files),
``build`` (intermediate representation in ``ir``, names from ``naming``),
``render`` (Jinja templates, ``model_classes`` via datamodel-code-generator),
``formatting`` (black) and ``writer`` (atomic output); ``pipeline`` runs them
and ``cli`` is the command line.
"""

__version__ = "0.4.0"
