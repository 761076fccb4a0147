import SparCore

/// The MOM blueprint of the demo enterprise ``DemoEnterprise`` (aerostar), with realistic findings:
///
/// - wichita runs on a validated MES (mes-opcenter) with the ERP for orders and inventory, the LIMS for lab
///   quality and the CMMS for maintenance; its gaps are small: material lots updated by the MES although the
///   ERP owns them, detailed scheduling only partly in the ERP.
/// - toulouse relies on a spreadsheet (rework-xls, unvalidated) for quality data collection, rework tracking and
///   its nonconformance reports; CAPA has no system of record; work orders are updated by the MES although the
///   ERP owns them; quality scheduling and dispatching are covered by nothing.
/// - nagoya runs two MES by product family (mes-legacy for flaps, mes-opcenter for the new slat family): both
///   claim to be system of record for work orders and routings and both fully cover dispatching, execution,
///   data collection and tracking; the legacy MES edits BOMs the ERP owns; CAPA has no system of record.
///
/// The blueprint validates against ``DemoEnterprise/plantModel()`` and uses its seven systems only. The same text
/// is `Examples/blueprint.yaml`.
public enum DemoBlueprint {
    /// The demo blueprint.
    public static func blueprint() -> Blueprint {
        Blueprint(
            enterprise: DemoEnterprise.enterprise, definitionVersion: "aerostar-kpi-1",
            dataObjects: [
                BlueprintDataObject(
                    id: "fairReport", name: "first article inspection report", safety: 2, quality: 3, regulatory: 3,
                    regimes: ["AS9102"])
            ],
            activityExposure: [
                // OEE and its parts are reported to customers in delivery reviews.
                BlueprintActivityExposure(activity: "production/performanceAnalysis", quality: 2)
            ],
            kpiExtensions: [
                BlueprintKPIExtension(
                    id: "local.toulouse.umhPerformance", name: "Performance (UMH style)",
                    formula: "Σ(PRU × PQ) / (APT + ADET)", elements: ["PRUxPQ", "APT", "ADET"], category: "production",
                    nearestISO: "effectiveness", note: "minor stops count as running time, unlike ISO effectiveness"),
                BlueprintKPIExtension(
                    id: "local.nagoya.nakajimaOEE", name: "OEE (Nakajima)",
                    formula: "(PBT − ADOT − AUST) / PBT × Σ(PRU × PQ) / APT × GQ / PQ",
                    elements: ["PBT", "ADOT", "AUST", "PRUxPQ", "APT", "GQ", "PQ"], category: "production",
                    nearestISO: "oee", note: "Nakajima's loading-time availability: delays count as operating time"),
            ],
            sites: [wichita, toulouse, nagoya])
    }

    static func use(
        _ object: String, owner: [String], create: [String] = [], read: [String] = [], update: [String] = [],
        reference: [String] = []
    ) -> BlueprintDataObjectUse {
        BlueprintDataObjectUse(
            object: object, systemOfRecord: owner, create: create, read: read, update: update, reference: reference)
    }

    static let maintenanceAll = MOMActivity.allCases.map { "maintenance/\($0.rawValue)" }

    static var wichita: BlueprintSite {
        BlueprintSite(
            id: "wichita",
            outOfScope: ["inventory/detailedScheduling"],
            coverage: [
                BlueprintCoverage(
                    system: "mes-opcenter",
                    full: [
                        "production/definitionManagement", "production/resourceManagement", "production/dispatching",
                        "production/executionManagement", "production/dataCollection", "production/tracking",
                        "production/performanceAnalysis", "quality/dispatching", "quality/executionManagement",
                        "quality/dataCollection", "quality/tracking",
                    ],
                    partial: ["quality/definitionManagement", "maintenance/dataCollection"]),
                BlueprintCoverage(
                    system: "erp-sap",
                    full: [
                        "inventory/definitionManagement", "inventory/resourceManagement", "inventory/dispatching",
                        "inventory/executionManagement", "inventory/dataCollection", "inventory/tracking",
                        "inventory/performanceAnalysis",
                    ],
                    partial: ["production/detailedScheduling"]),
                BlueprintCoverage(
                    system: "lims-labware",
                    full: [
                        "quality/definitionManagement", "quality/resourceManagement", "quality/detailedScheduling",
                        "quality/performanceAnalysis",
                    ],
                    partial: ["quality/dataCollection"]),
                BlueprintCoverage(system: "cmms-maximo", full: maintenanceAll),
            ],
            dataObjects: [
                use("workOrder", owner: ["erp-sap"], create: ["erp-sap"], read: ["mes-opcenter"], update: ["erp-sap"]),
                use("routing", owner: ["erp-sap"], read: ["mes-opcenter"]),
                use("bom", owner: ["erp-sap"], read: ["mes-opcenter"]),
                use("workInstruction", owner: ["mes-opcenter"]),
                use("materialLot", owner: ["erp-sap"], update: ["mes-opcenter"]),
                use("serialGenealogy", owner: ["mes-opcenter"]),
                use("ncr", owner: ["mes-opcenter"], read: ["erp-sap"]),
                use("capa", owner: ["mes-opcenter"]),
                use("calibrationRecord", owner: ["lims-labware"], read: ["mes-opcenter"]),
                use("maintenanceWorkOrder", owner: ["cmms-maximo"], reference: ["mes-opcenter"]),
                use("inspectionResult", owner: ["lims-labware"], create: ["mes-opcenter"]),
                use("personnelQualification", owner: ["erp-sap"], read: ["mes-opcenter"]),
                use("kpiDefinition", owner: ["mes-opcenter"]),
                use("shiftCalendar", owner: ["erp-sap"], read: ["mes-opcenter"]),
                use("energyReading", owner: ["energy-historian"]),
                use("fairReport", owner: ["lims-labware"]),
            ],
            kpiMappings: [
                BlueprintKPIMapping(local: "OEE", canonical: "oee"),
                BlueprintKPIMapping(
                    local: "FPY", canonical: "firstPassYield", note: "reworked parts never count as first-pass good"),
                BlueprintKPIMapping(local: "MTTR", canonical: "meanTimeToRepair"),
                BlueprintKPIMapping(
                    local: "Spindle utilisation",
                    reason: "measured from the spindle-load signal; no ISO 22400-2 element carries it"),
            ],
            normalisation: BlueprintNormalisation(
                timeZone: "America/Chicago",
                reasonCodes: [
                    .init(local: "RUN", category: "production"), .init(local: "SETUP", category: "setup"),
                    .init(local: "WAIT", category: "delay"), .init(local: "BRKDN", category: "down", failure: true),
                    .init(local: "PM", category: "plannedDown"),
                ],
                units: [
                    .init(local: "EA", canonical: "unit"), .init(local: "LB", canonical: "kg", factor: 0.45359237),
                ],
                shifts: [
                    .init(local: "1st", shift: "A"), .init(local: "2nd", shift: "B"), .init(local: "3rd", shift: "C"),
                ]))
    }

    static var toulouse: BlueprintSite {
        BlueprintSite(
            id: "toulouse",
            outOfScope: ["inventory/detailedScheduling"],
            coverage: [
                BlueprintCoverage(
                    system: "mes-opcenter",
                    full: [
                        "production/definitionManagement", "production/resourceManagement", "production/dispatching",
                        "production/executionManagement", "production/dataCollection", "production/tracking",
                        "production/performanceAnalysis",
                    ],
                    partial: [
                        "production/detailedScheduling", "quality/executionManagement", "maintenance/dataCollection",
                    ]),
                BlueprintCoverage(
                    system: "rework-xls", full: ["quality/dataCollection"],
                    partial: ["quality/tracking", "quality/performanceAnalysis"]),
                BlueprintCoverage(
                    system: "lims-labware", full: ["quality/definitionManagement", "quality/resourceManagement"],
                    partial: ["quality/dataCollection"]),
                BlueprintCoverage(
                    system: "erp-sap",
                    full: [
                        "inventory/definitionManagement", "inventory/resourceManagement", "inventory/dispatching",
                        "inventory/executionManagement", "inventory/dataCollection", "inventory/tracking",
                        "inventory/performanceAnalysis",
                    ]),
                BlueprintCoverage(system: "cmms-maximo", full: maintenanceAll),
            ],
            dataObjects: [
                use("workOrder", owner: ["erp-sap"], create: ["erp-sap"], update: ["mes-opcenter"]),
                use("routing", owner: ["mes-opcenter"], read: ["erp-sap"]),
                use("bom", owner: ["erp-sap"], read: ["mes-opcenter"]),
                use("workInstruction", owner: ["mes-opcenter"]),
                use("materialLot", owner: ["erp-sap"], read: ["mes-opcenter"]),
                use("serialGenealogy", owner: ["mes-opcenter"]),
                use("ncr", owner: ["rework-xls"], reference: ["mes-opcenter"]),
                use("calibrationRecord", owner: ["lims-labware"]),
                use("maintenanceWorkOrder", owner: ["cmms-maximo"]),
                use("inspectionResult", owner: ["lims-labware"], create: ["rework-xls"]),
                use("personnelQualification", owner: ["erp-sap"]),
                use("kpiDefinition", owner: [], create: ["rework-xls"]),
                use("shiftCalendar", owner: ["erp-sap"], read: ["mes-opcenter"]),
                use("energyReading", owner: ["energy-historian"]),
                use("fairReport", owner: ["mes-opcenter"]),
            ],
            elementSources: [
                BlueprintElementSource(
                    element: "measurements", systems: ["lims-labware"],
                    note: "lab measurements; the spreadsheet holds dispositions only")
            ],
            kpiMappings: [
                BlueprintKPIMapping(local: "TRS", canonical: "oee", note: "taux de rendement synthétique"),
                BlueprintKPIMapping(local: "Taux de rebut", canonical: "scrapRatio"),
                BlueprintKPIMapping(local: "Taux de retouche", canonical: "reworkRatio"),
                BlueprintKPIMapping(local: "Performance (UMH)", canonical: "local.toulouse.umhPerformance"),
                BlueprintKPIMapping(
                    local: "Taux de charge",
                    reason:
                        "load against sold capacity from the sales plan; no ISO 22400-2 element carries sold capacity"),
            ],
            normalisation: BlueprintNormalisation(
                timeZone: "Europe/Paris",
                reasonCodes: [
                    .init(local: "MARCHE", category: "production"), .init(local: "REGLAGE", category: "setup"),
                    .init(local: "ATTENTE", category: "delay"), .init(local: "PANNE", category: "down", failure: true),
                    .init(local: "MAINT-PREV", category: "plannedDown"),
                ],
                units: [.init(local: "pièce", canonical: "unit")],
                shifts: [
                    .init(local: "Matin", shift: "A"), .init(local: "Après-midi", shift: "B"),
                    .init(local: "Nuit", shift: "C"),
                ]))
    }

    static var nagoya: BlueprintSite {
        BlueprintSite(
            id: "nagoya",
            outOfScope: ["inventory/detailedScheduling"],
            coverage: [
                BlueprintCoverage(
                    system: "mes-legacy",
                    full: [
                        "production/definitionManagement", "production/dispatching", "production/executionManagement",
                        "production/dataCollection", "production/tracking", "quality/dispatching",
                        "quality/executionManagement", "quality/dataCollection",
                    ],
                    partial: ["production/performanceAnalysis", "quality/tracking", "maintenance/dataCollection"]),
                BlueprintCoverage(
                    system: "mes-opcenter",
                    full: [
                        "production/dispatching", "production/executionManagement", "production/dataCollection",
                        "production/tracking",
                    ],
                    partial: ["production/definitionManagement", "quality/dataCollection"]),
                BlueprintCoverage(
                    system: "lims-labware",
                    full: [
                        "quality/definitionManagement", "quality/resourceManagement", "quality/performanceAnalysis",
                    ],
                    partial: ["quality/dataCollection"]),
                BlueprintCoverage(
                    system: "cmms-maximo",
                    full: maintenanceAll.filter { $0 != "maintenance/resourceManagement" }),
                BlueprintCoverage(
                    system: "erp-sap",
                    full: [
                        "inventory/definitionManagement", "inventory/resourceManagement", "inventory/dispatching",
                        "inventory/executionManagement", "inventory/dataCollection", "inventory/tracking",
                        "inventory/performanceAnalysis",
                    ],
                    partial: ["production/resourceManagement"]),
            ],
            dataObjects: [
                use(
                    "workOrder", owner: ["mes-legacy", "mes-opcenter"], create: ["mes-legacy", "mes-opcenter"],
                    read: ["erp-sap"]),
                use("routing", owner: ["mes-legacy", "mes-opcenter"]),
                use("bom", owner: ["erp-sap"], read: ["mes-opcenter"], update: ["mes-legacy"]),
                use("workInstruction", owner: ["mes-legacy"], read: ["mes-opcenter"]),
                use("materialLot", owner: ["erp-sap"], read: ["mes-legacy", "mes-opcenter"]),
                use("serialGenealogy", owner: ["mes-legacy"], create: ["mes-opcenter"]),
                use("ncr", owner: ["mes-legacy"]),
                use("calibrationRecord", owner: ["lims-labware"]),
                use("maintenanceWorkOrder", owner: ["cmms-maximo"]),
                use("inspectionResult", owner: ["mes-legacy"], create: ["lims-labware"]),
                use("personnelQualification", owner: ["erp-sap"]),
                use("shiftCalendar", owner: ["mes-legacy"], read: ["mes-opcenter"]),
                use("energyReading", owner: ["energy-historian"]),
                use("fairReport", owner: ["mes-legacy"]),
            ],
            kpiMappings: [
                BlueprintKPIMapping(
                    local: "OEE (Nakajima)", canonical: "local.nagoya.nakajimaOEE",
                    note: "not comparable with the other sites' OEE"),
                BlueprintKPIMapping(
                    local: "Yield", canonical: "qualityRatio", note: "final inspection good / produced"),
                BlueprintKPIMapping(local: "MTBF", canonical: "meanTimeBetweenFailures"),
                BlueprintKPIMapping(
                    local: "Kadouritsu",
                    reason:
                        "operating rate against the production plan's required time; ISO 22400-2 has no demand-based ratio"
                ),
            ],
            normalisation: BlueprintNormalisation(
                timeZone: "Asia/Tokyo",
                reasonCodes: [
                    .init(local: "KADOU", category: "production"), .init(local: "DANDORI", category: "setup"),
                    .init(local: "CHOKOTEI", category: "delay"), .init(local: "KOSHO", category: "down", failure: true),
                    .init(local: "TEIKI-HOZEN", category: "plannedDown"),
                ],
                units: [.init(local: "ko", canonical: "unit")],
                shifts: [.init(local: "Hiru", shift: "A"), .init(local: "Yoru", shift: "B")]))
    }
}
