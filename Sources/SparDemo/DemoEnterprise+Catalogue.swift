import SparCore

extension DemoEnterprise {
    /// Calendar ids of the demo model, in model order.
    static let calendarIDs = ["two-shift-us", "three-shift-us", "two-shift-eu", "three-shift-eu", "two-shift-jp"]

    static func time(_ text: String) -> TimeOfDay {
        // Every literal below is a valid HH:MM; a typo shows up as a validation problem, never a crash.
        TimeOfDay(text) ?? TimeOfDay(minutes: -1)
    }

    static func shift(_ name: String, _ days: [Weekday], _ start: String, _ end: String) -> Shift {
        Shift(name: name, days: days, start: time(start), end: time(end))
    }

    static func down(_ days: [Weekday], _ start: String, _ end: String, _ reason: String) -> PlannedDownWindow {
        PlannedDownWindow(days: days, start: time(start), end: time(end), reason: reason)
    }

    static let weekdays: [Weekday] = [.mon, .tue, .wed, .thu, .fri]
    static let sixDays: [Weekday] = [.mon, .tue, .wed, .thu, .fri, .sat]

    /// Two- and three-shift calendars in local time: breaks as planned down windows, night shifts crossing
    /// midnight, public holidays closed and Saturday overtime with shift A only.
    static var calendars: [WorkCalendar] {
        [
            WorkCalendar(
                id: "two-shift-us",
                shifts: [shift("A", weekdays, "06:00", "14:00"), shift("B", weekdays, "14:00", "22:00")],
                plannedDown: [down(sixDays, "10:00", "10:30", "break"), down(weekdays, "18:00", "18:30", "break")],
                exceptions: [
                    CalendarException(date: "2026-09-19", shifts: ["A"]),
                    CalendarException(date: "2026-11-26", closed: true),
                    CalendarException(date: "2026-12-25", closed: true),
                ]),
            WorkCalendar(
                id: "three-shift-us",
                shifts: [
                    shift("A", weekdays, "06:00", "14:00"), shift("B", weekdays, "14:00", "22:00"),
                    shift("C", [.sun, .mon, .tue, .wed, .thu], "22:00", "06:00"),
                ],
                plannedDown: [
                    down(sixDays, "10:00", "10:30", "break"), down(weekdays, "18:00", "18:30", "break"),
                    down(weekdays, "02:00", "02:30", "break"),
                ],
                exceptions: [
                    CalendarException(date: "2026-10-03", shifts: ["A", "B"]),
                    CalendarException(date: "2026-11-26", closed: true),
                    CalendarException(date: "2026-12-25", closed: true),
                ]),
            WorkCalendar(
                id: "two-shift-eu",
                shifts: [shift("A", weekdays, "05:00", "13:00"), shift("B", weekdays, "13:00", "21:00")],
                plannedDown: [down(sixDays, "09:00", "09:20", "break"), down(weekdays, "17:00", "17:20", "break")],
                exceptions: [
                    CalendarException(date: "2026-09-26", shifts: ["A"]),
                    CalendarException(date: "2026-11-11", closed: true),
                    CalendarException(date: "2026-12-25", closed: true),
                ]),
            WorkCalendar(
                id: "three-shift-eu",
                shifts: [
                    shift("A", weekdays, "05:00", "13:00"), shift("B", weekdays, "13:00", "21:00"),
                    shift("C", [.sun, .mon, .tue, .wed, .thu], "21:00", "05:00"),
                ],
                plannedDown: [
                    down(weekdays, "09:00", "09:20", "break"), down(weekdays, "17:00", "17:20", "break"),
                    down(weekdays, "01:00", "01:20", "break"),
                ],
                exceptions: [
                    CalendarException(date: "2026-11-11", closed: true),
                    CalendarException(date: "2026-12-25", closed: true),
                ]),
            WorkCalendar(
                id: "two-shift-jp",
                shifts: [shift("A", weekdays, "08:00", "16:30"), shift("B", weekdays, "16:30", "01:00")],
                plannedDown: [down(sixDays, "12:00", "12:45", "break"), down(weekdays, "20:30", "21:00", "break")],
                exceptions: [
                    CalendarException(date: "2026-09-21", closed: true),
                    CalendarException(date: "2026-09-22", closed: true),
                    CalendarException(date: "2026-09-23", closed: true),
                    CalendarException(date: "2026-10-03", shifts: ["A"]),
                    CalendarException(date: "2026-10-12", closed: true),
                    CalendarException(date: "2026-11-03", closed: true),
                    CalendarException(date: "2026-11-23", closed: true),
                    CalendarException(date: "2026-12-31", closed: true),
                ]),
        ]
    }

    /// Local reason codes covering every ISO 22400 time category; real failures carry `failure: true`.
    static var reasons: [ReasonCode] {
        [
            ReasonCode(code: "running", category: .production),
            ReasonCode(code: "changeover", category: .setup),
            ReasonCode(code: "first-article", category: .setup),
            ReasonCode(code: "no-material", category: .delay),
            ReasonCode(code: "waiting-inspection", category: .delay),
            ReasonCode(code: "no-operator", category: .delay),
            ReasonCode(code: "minor-stop", category: .delay),
            ReasonCode(code: "spindle-fail", category: .down, failure: true),
            ReasonCode(code: "hydraulic-leak", category: .down, failure: true),
            ReasonCode(code: "drive-fault", category: .down, failure: true),
            ReasonCode(code: "thermocouple-fault", category: .down, failure: true),
            ReasonCode(code: "vacuum-leak", category: .down, failure: true),
            ReasonCode(code: "pump-fail", category: .down, failure: true),
            ReasonCode(code: "utility-outage", category: .down, failure: false),
            ReasonCode(code: "pm", category: .plannedDown),
            ReasonCode(code: "break", category: .plannedDown),
            ReasonCode(code: "calibration", category: .plannedDown),
            ReasonCode(code: "off-shift", category: .idle),
            ReasonCode(code: "no-demand", category: .idle),
        ]
    }

    /// The systems that feed the demo: two MES, ERP, CMMS, LIMS, an energy historian and one unvalidated
    /// spreadsheet.
    static var systems: [SourceSystem] {
        [
            SourceSystem(id: "mes-opcenter", kind: .MES, validated: true, owner: "manufacturing-it", version: "2410"),
            SourceSystem(id: "erp-sap", kind: .ERP, validated: true, owner: "corporate-it", version: "S/4HANA 2023"),
            SourceSystem(id: "cmms-maximo", kind: .CMMS, validated: true, owner: "maintenance", version: "9.0"),
            SourceSystem(id: "lims-labware", kind: .LIMS, validated: true, owner: "quality", version: "8"),
            SourceSystem(id: "energy-historian", kind: .historian, validated: true, owner: "facilities"),
            SourceSystem(id: "rework-xls", kind: .spreadsheet, validated: false, owner: "toulouse-quality"),
            SourceSystem(id: "mes-legacy", kind: .MES, validated: true, owner: "nagoya-it", version: "3.2"),
        ]
    }
}
