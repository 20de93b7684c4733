"""bmptest: helpers for bmptap integration tests.

Network namespaces with veth links, real BGP speakers (BIRD 2, FRR bgpd,
GoBGP), packet capture with dumpcap and pmacct's BMP collector. Python 3
standard library only; every helper cleans up what it started.
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
INTEGRATION_DIR = os.path.dirname(os.path.dirname(HERE))
