"""`hooks report`: one self-contained HTML page of one run (Neptune offline, MLflow), or of several side by
side, of one tracker or several."""
