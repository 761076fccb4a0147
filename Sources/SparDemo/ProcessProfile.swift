/// How one kind of equipment behaves in the simulation: cycle times, order sizes, losses, power and quality.
///
/// A unit's profile is chosen from its id (`cnc-07` is a 5-axis CNC, `autoclave-01` an autoclave); units with an
/// unrecognised id get a generic discrete-manufacturing profile.
struct ProcessProfile: Sendable {
    /// A measured quality characteristic with its nominal value and symmetric tolerance.
    struct Characteristic: Sendable {
        var name: String
        var nominal: Double
        var tolerance: Double
        var lsl: Double { ((nominal - tolerance) * 1e6).rounded() / 1e6 }
        var usl: Double { ((nominal + tolerance) * 1e6).rounded() / 1e6 }
    }

    var kind: String
    /// Planned run time per unit (PRU) in seconds, drawn per order.
    var plannedRunTimePerUnit: ClosedRange<Double>
    var orderQuantity: ClosedRange<Int>
    /// Planned changeover duration, minutes; the actual one runs a little longer on average.
    var setupMinutes: ClosedRange<Double>
    /// Whether a first-article inspection (setup time) sometimes follows the changeover.
    var firstArticle: Bool = false
    /// Failure reason codes typical of the equipment (those present in the model are used).
    var failureReasons: [String]
    /// Mean production hours between failures (MTBF).
    var productionHoursBetweenFailures: Double
    /// Minor delays (no material, waiting for inspection, …) per production hour.
    var delaysPerProductionHour: Double
    var runningKW: Double
    var standbyKW: Double
    /// Quality characteristics measured by the lab on samples of the unit's output.
    var characteristics: [Characteristic] = []
    var inputMaterial: String
    var products: [String]
    /// Whether every part carries a serial number and is inspected (pass/fail) as it is counted.
    var serialised: Bool = false

    /// Units per hour at the maximum rated capacity: the fastest planned cycle (the lower bound of PRU).
    var ratedRate: Double { (3600 / plannedRunTimePerUnit.lowerBound * 100).rounded() / 100 }

    static func forUnit(id: String) -> ProcessProfile {
        for (prefix, profile) in catalogue where id.hasPrefix(prefix) { return profile }
        return generic
    }

    /// Profiles keyed by the unit-id prefix that selects them (first match wins).
    static let catalogue: [(String, ProcessProfile)] = [
        ("cnc", cnc), ("lathe", lathe), ("furnace", furnace), ("autoclave", autoclave),
        ("penetrant", ndt), ("xray", ndt), ("ultrasonic", ndt), ("chemfilm", conversionCoating),
        ("anodize", conversionCoating), ("shot-peen", shotPeen), ("riveting", riveting), ("sealing", sealing),
        ("paint", paint), ("layup", layup), ("ply-cutter", plyCutter), ("cmm", cmm), ("kit", kitting),
    ]

    static let cnc = ProcessProfile(
        kind: "5-axis CNC", plannedRunTimePerUnit: 900...2400, orderQuantity: 6...30, setupMinutes: 40...90,
        firstArticle: true, failureReasons: ["spindle-fail", "hydraulic-leak", "drive-fault"],
        productionHoursBetweenFailures: 90, delaysPerProductionHour: 0.3, runningKW: 38, standbyKW: 6,
        characteristics: [
            Characteristic(name: "bore-diameter-mm", nominal: 25.0, tolerance: 0.013),
            Characteristic(name: "surface-roughness-ra-um", nominal: 1.2, tolerance: 0.4),
        ],
        inputMaterial: "AL7050-T7451-plate",
        products: ["wing-rib-R114", "spar-fitting-F22", "flap-track-T8", "bulkhead-frame-B7"], serialised: true)

    static let lathe = ProcessProfile(
        kind: "CNC lathe", plannedRunTimePerUnit: 240...720, orderQuantity: 20...80, setupMinutes: 25...60,
        firstArticle: true, failureReasons: ["spindle-fail", "drive-fault", "hydraulic-leak"],
        productionHoursBetweenFailures: 120, delaysPerProductionHour: 0.3, runningKW: 22, standbyKW: 4,
        characteristics: [
            Characteristic(name: "outer-diameter-mm", nominal: 12.7, tolerance: 0.010),
            Characteristic(name: "roundness-um", nominal: 4, tolerance: 4),
        ],
        inputMaterial: "Ti6Al4V-bar", products: ["bushing-BU3", "pin-P17", "actuator-rod-AR2"])

    static let furnace = ProcessProfile(
        kind: "heat-treat furnace", plannedRunTimePerUnit: 45...90, orderQuantity: 150...400, setupMinutes: 30...60,
        failureReasons: ["thermocouple-fault", "drive-fault"], productionHoursBetweenFailures: 200,
        delaysPerProductionHour: 0.1, runningKW: 220, standbyKW: 60,
        characteristics: [
            Characteristic(name: "hardness-hrb", nominal: 85, tolerance: 5),
            Characteristic(name: "conductivity-iacs-pct", nominal: 40, tolerance: 2),
        ],
        inputMaterial: "machined-part-soft", products: ["wing-rib-R114-T73", "spar-fitting-F22-T73"])

    static let autoclave = ProcessProfile(
        kind: "autoclave", plannedRunTimePerUnit: 150...240, orderQuantity: 40...100, setupMinutes: 45...90,
        failureReasons: ["vacuum-leak", "thermocouple-fault", "pump-fail"], productionHoursBetweenFailures: 250,
        delaysPerProductionHour: 0.05, runningKW: 450, standbyKW: 40,
        characteristics: [
            Characteristic(name: "cure-temperature-c", nominal: 180, tolerance: 5),
            Characteristic(name: "cure-pressure-bar", nominal: 7, tolerance: 0.5),
        ],
        inputMaterial: "prepreg-layup", products: ["skin-panel-S41", "stringer-ST9", "spar-cap-C3"])

    static let ndt = ProcessProfile(
        kind: "NDT line", plannedRunTimePerUnit: 180...600, orderQuantity: 20...80, setupMinutes: 10...30,
        failureReasons: ["pump-fail", "drive-fault"], productionHoursBetweenFailures: 200,
        delaysPerProductionHour: 0.4, runningKW: 12, standbyKW: 3,
        inputMaterial: "part-awaiting-ndt", products: ["ndt-accepted-part"])

    static let conversionCoating = ProcessProfile(
        kind: "chemical conversion line", plannedRunTimePerUnit: 30...75, orderQuantity: 150...500,
        setupMinutes: 20...40, failureReasons: ["pump-fail", "thermocouple-fault"],
        productionHoursBetweenFailures: 200, delaysPerProductionHour: 0.25, runningKW: 60, standbyKW: 15,
        characteristics: [Characteristic(name: "coating-thickness-um", nominal: 5.0, tolerance: 2.5)],
        inputMaterial: "part-awaiting-finish", products: ["coated-part"])

    static let shotPeen = ProcessProfile(
        kind: "shot-peen cell", plannedRunTimePerUnit: 180...420, orderQuantity: 20...60, setupMinutes: 20...45,
        failureReasons: ["drive-fault", "hydraulic-leak"], productionHoursBetweenFailures: 150,
        delaysPerProductionHour: 0.25, runningKW: 45, standbyKW: 8,
        characteristics: [Characteristic(name: "almen-intensity-mm", nominal: 0.25, tolerance: 0.05)],
        inputMaterial: "part-awaiting-peen", products: ["peened-part"])

    static let riveting = ProcessProfile(
        kind: "automated riveting cell", plannedRunTimePerUnit: 1500...3600, orderQuantity: 4...16,
        setupMinutes: 30...75, firstArticle: true, failureReasons: ["hydraulic-leak", "drive-fault"],
        productionHoursBetweenFailures: 120, delaysPerProductionHour: 0.35, runningKW: 30, standbyKW: 5,
        characteristics: [
            Characteristic(name: "collar-height-mm", nominal: 2.4, tolerance: 0.1),
            Characteristic(name: "head-flushness-mm", nominal: 0, tolerance: 0.05),
        ],
        inputMaterial: "panel-kit", products: ["wing-panel-WP3", "fuselage-panel-FP12", "flap-skin-FS2"], serialised: true)

    static let sealing = ProcessProfile(
        kind: "sealing cell", plannedRunTimePerUnit: 900...2400, orderQuantity: 4...16, setupMinutes: 20...45,
        failureReasons: ["pump-fail", "drive-fault"], productionHoursBetweenFailures: 150,
        delaysPerProductionHour: 0.3, runningKW: 10, standbyKW: 2,
        characteristics: [Characteristic(name: "sealant-bead-width-mm", nominal: 6.0, tolerance: 1.0)],
        inputMaterial: "riveted-panel", products: ["sealed-panel"])

    static let paint = ProcessProfile(
        kind: "paint booth", plannedRunTimePerUnit: 2400...5400, orderQuantity: 2...8, setupMinutes: 30...60,
        failureReasons: ["pump-fail", "drive-fault"], productionHoursBetweenFailures: 150,
        delaysPerProductionHour: 0.3, runningKW: 80, standbyKW: 10,
        characteristics: [Characteristic(name: "dry-film-thickness-um", nominal: 30, tolerance: 8)],
        inputMaterial: "primer-kit", products: ["painted-assembly"])

    static let layup = ProcessProfile(
        kind: "layup cell", plannedRunTimePerUnit: 1800...3600, orderQuantity: 2...8, setupMinutes: 20...45,
        failureReasons: ["drive-fault", "vacuum-leak"], productionHoursBetweenFailures: 200,
        delaysPerProductionHour: 0.3, runningKW: 15, standbyKW: 4,
        characteristics: [Characteristic(name: "ply-orientation-deg", nominal: 0, tolerance: 3)],
        inputMaterial: "prepreg-roll", products: ["skin-layup-S41", "stringer-layup-ST9"])

    static let plyCutter = ProcessProfile(
        kind: "ply cutter", plannedRunTimePerUnit: 60...150, orderQuantity: 100...300, setupMinutes: 10...25,
        failureReasons: ["drive-fault", "vacuum-leak"], productionHoursBetweenFailures: 150,
        delaysPerProductionHour: 0.3, runningKW: 15, standbyKW: 3,
        inputMaterial: "prepreg-roll", products: ["ply-kit-S41", "ply-kit-ST9"])

    static let cmm = ProcessProfile(
        kind: "coordinate measuring machine", plannedRunTimePerUnit: 900...1800, orderQuantity: 6...20,
        setupMinutes: 15...30, failureReasons: ["drive-fault"], productionHoursBetweenFailures: 300,
        delaysPerProductionHour: 0.3, runningKW: 6, standbyKW: 2,
        characteristics: [Characteristic(name: "true-position-mm", nominal: 0.025, tolerance: 0.025)],
        inputMaterial: "assembly-for-inspection", products: ["inspected-assembly"], serialised: true)

    static let kitting = ProcessProfile(
        kind: "kitting store", plannedRunTimePerUnit: 300...600, orderQuantity: 10...40, setupMinutes: 5...15,
        failureReasons: ["drive-fault"], productionHoursBetweenFailures: 400, delaysPerProductionHour: 0.4,
        runningKW: 3, standbyKW: 1, inputMaterial: "purchased-fasteners",
        products: ["assembly-kit-K1", "assembly-kit-K2"])

    static let generic = ProcessProfile(
        kind: "generic work unit", plannedRunTimePerUnit: 300...1200, orderQuantity: 10...50, setupMinutes: 20...60,
        failureReasons: ["drive-fault", "hydraulic-leak"], productionHoursBetweenFailures: 150,
        delaysPerProductionHour: 0.3, runningKW: 20, standbyKW: 4,
        inputMaterial: "raw-material", products: ["finished-part"])
}
