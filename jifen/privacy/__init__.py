"""Personal data (个人信息保护法 第二十八条): who may read which facts of an applicant (``need``), which facts are
sensitive and how a list masks them (``sensitive``), the log of every read of facts (``log``), and the erasure of
facts after the retention period (``retention``). The faces call ``need.reading`` for every answer that carries facts:
it decides what the reader sees, redacts the answer and logs the read in one place.
"""
