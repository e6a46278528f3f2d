from .audit import AuditLog  # noqa: F401
from .core import (  # noqa: F401
    Allocation,
    DeviceTraining,
    EligibilityCriterion,
    Enrolment,
    ExemptionReason,
    FundingProgramme,
    ImpactFactor,
    Order,
    OrderLine,
    Payment,
    Person,
    Reservation,
    Structure,
    Tariff,
    TrainingModule,
    TrainingProgramme,
    TrainingSession,
    TrainingWaiver,
)
from .territories import Commune, Territory  # noqa: F401
