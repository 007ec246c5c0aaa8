"""Pure rules of the law as the registers state it: when a subject's data are due for destruction
(retention.py) and which rules of the processing register an event breaks (register.py). They
import the contracts and core/, never app/ or an adapter, and do no I/O."""
