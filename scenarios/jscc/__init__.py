"""Deep joint source-channel coding through semlink's channels (issue #28): ``train`` (``semlink train-jscc``)."""
