"""The beneficiaries app's models, one module per sub-domain; import them from here."""

from .allocations import (  # noqa: F401
    Allocation,
    ExemptionReason,
    LimitOverride,
    Payment,
    Signature,
    Tariff,
)
from .audit import AuditLog  # noqa: F401
from .eligibility import EligibilityCheck, EligibilityProofKind  # noqa: F401
from .funding import FundingProgramme, ImpactFactor  # noqa: F401
from .geography import FragilityImport, FragilityScore, Outline, PublicMapSwitch  # noqa: F401
from .orders import Order, OrderEvent, OrderLine, OrderStep, Reservation  # noqa: F401
from .people import EligibilityCriterion, Person  # noqa: F401
from .structures import Structure  # noqa: F401
from .territories import Commune, Territory  # noqa: F401
from .trainings import (  # noqa: F401
    DeviceTraining,
    Enrolment,
    TrainingModule,
    TrainingProgramme,
    TrainingSession,
    TrainingWaiver,
)
