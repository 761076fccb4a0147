import SparCore

/// Which source system reports which kind of event at one site, resolved against the plant model.
///
/// Rules (documented on ``DemoGenerator``): the site's MES reports states, counts and labor; the first MES feeds
/// every site except the last, which a second MES (a legacy plant) feeds when the model has one. Orders come from
/// the ERP at the first site and from the MES elsewhere; material movements from the ERP; maintenance from the
/// CMMS; measurements from the LIMS; energy from the historian. At the second site (the only site when there is
/// one) rework is withheld from the MES counts and reported by the spreadsheet system instead, which also holds that
/// site's serial inspection results (elsewhere the MES records them). A kind the model
/// lacks falls back to the MES (or, for optional feeds such as energy and measurements, is not generated).
struct SourcePlan: Sendable {
    var mes: String
    var orders: String
    var materials: String
    var maintenance: String?
    var measurements: String?
    var energy: String?
    /// When set, rework quantities are reported by this system as separate counts.
    var rework: String?
    /// Records the pass/fail inspections of serialised parts.
    var inspections: String

    /// Returns nil when the model has no source system at all.
    init?(model: PlantModel, siteIndex: Int) {
        func first(_ kind: SystemKind) -> String? { model.systems.first { $0.kind == kind }?.id }
        let mesSystems = model.systems.filter { $0.kind == .MES }.map(\.id)
        let isLastSite = siteIndex == model.sites.count - 1 && model.sites.count > 1
        guard let mes = (isLastSite ? mesSystems.last : mesSystems.first) ?? model.systems.first?.id else { return nil }
        self.mes = mes
        let erp = first(.ERP)
        orders = siteIndex == 0 ? (erp ?? mes) : mes
        materials = erp ?? mes
        maintenance = first(.CMMS)
        measurements = first(.LIMS) ?? first(.QMS)
        energy = first(.historian) ?? first(.SCADA)
        let reworkSite = model.sites.count > 1 ? 1 : 0
        rework = siteIndex == reworkSite ? first(.spreadsheet) : nil
        inspections = rework ?? mes
    }
}
