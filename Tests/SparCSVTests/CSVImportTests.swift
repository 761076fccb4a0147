import Foundation
import SparCore
import SparInterchange
import Testing

@testable import SparCSV

/// A small plant: one Toulouse cell (Europe/Paris), reason codes, two source systems.
let plantYAML = """
    enterprise: acme
    sites:
      - id: tls
        timeZone: Europe/Paris
        areas:
          - id: comp
            workCenters:
              - id: layup
                kind: workCell
                workUnits:
                  - id: cell-1
                  - id: cell-2
    reasons:
      - { code: running, category: production }
      - { code: changeover, category: setup }
      - { code: vacuum-leak, category: down, failure: true }
    systems:
      - { id: mes, kind: MES, validated: true }
      - { id: xls, kind: spreadsheet, validated: false }
    """

func plant() throws -> PlantModel { try PlantModelFile.decode(Data(plantYAML.utf8), json: false) }

func csvMap(_ yaml: String) throws -> CSVMap { try CSVMap.decode(yaml: yaml, name: "map.yaml") }

/// Maps `csv` (given as text, `\n` line ends unless written otherwise) with `map`, checking against the plant.
func mapped(_ csv: String, _ map: String, bom: Bool = false, model: Bool = true) throws -> CSVImportResult {
    var data = Data(csv.utf8)
    if bom { data = Data([0xEF, 0xBB, 0xBF]) + data }
    return try CSVImport(map: try csvMap(map), model: model ? try plant() : nil).read(data)
}

/// The event a contract JSON line decodes to (the reference the CSV rows must equal, ids aside).
func contract(_ json: String) throws -> Event {
    try EventCoding.decode(line: Substring(json), lineNumber: nil).get()
}

func withoutID(_ e: Event) -> String { CSVEventID.contentKey(e) }

let countMap = """
    source: mes
    separator: ";"
    decimal: ","
    time: { column: Zeit, format: "dd.MM.yyyy HH:mm:ss", timeZone: Europe/Paris }
    unit: { column: Maschine, prefix: acme/tls/comp/layup/ }
    type: count
    fields:
      count:
        good: Gut
        scrap: { column: Ausschuss, default: 0 }
        rework: { value: 0 }
        order: Auftrag
    """

@Suite("CSV import: an Excel export mapped to events")
struct CSVImportTests {
    @Test("a UTF-8 BOM, ';' separators, CRLF line ends, quoted cells and blank trailing rows")
    func excelExport() throws {
        let csv =
            "Zeit;Maschine;Gut;Ausschuss;Auftrag;Kommentar\r\n"
            + "02.03.2026 06:00:00;cell-1;12;1;A-1;\"Form; neu\"\r\n"
            + "02.03.2026 07:00:00;cell-2;5;;A-2;\"zwei\r\nZeilen\"\r\n"
            + "02.03.2026 08:00:00;cell-1;7;0;;\r\n"
            + ";;;;;\r\n"
            + "\r\n"
        let result = try mapped(csv, countMap, bom: true)
        #expect(result.problems == [])
        #expect(result.rows == 3)
        // Line 3's comment spans two lines, so the third row starts on line 5. 06:00 in Paris in March is 05:00Z.
        #expect(result.events.map(\.line) == [2, 3, 5])
        let expected = [
            #"{"id":"x","ts":"2026-03-02T05:00:00Z","source":"mes","unit":"acme/tls/comp/layup/cell-1","type":"count","good":12,"scrap":1,"rework":0,"order":"A-1"}"#,
            #"{"id":"x","ts":"2026-03-02T06:00:00Z","source":"mes","unit":"acme/tls/comp/layup/cell-2","type":"count","good":5,"scrap":0,"rework":0,"order":"A-2"}"#,
            #"{"id":"x","ts":"2026-03-02T07:00:00Z","source":"mes","unit":"acme/tls/comp/layup/cell-1","type":"count","good":7,"scrap":0,"rework":0}"#,
        ]
        #expect(result.events.map { withoutID($0.event) } == (try expected.map { withoutID(try contract($0)) }))
    }

    @Test("the separator is detected from the header when the map does not declare it")
    func detectedSeparator() throws {
        let map = countMap.replacingOccurrences(of: "separator: \";\"\n", with: "")
        let csv = "Zeit;Maschine;Gut;Ausschuss;Auftrag\n02.03.2026 06:00:00;cell-1;12,0;1;A-1\n"
        let result = try mapped(csv, map)
        #expect(result.problems == [])
        #expect(result.events.count == 1)
        let tab = "Zeit\tMaschine\tGut\tAusschuss\tAuftrag\n02.03.2026 06:00:00\tcell-1\t3\t1\tA-1\n"
        #expect(try mapped(tab, map).events.count == 1)
        let none = "Zeit Maschine Gut Ausschuss Auftrag\n"
        #expect(throws: CSVFileError.self) { try mapped(none, map) }
    }

    @Test("a decimal comma reads under a declared ',' mark; never silently under '.'")
    func decimalComma() throws {
        let map = """
            source: mes
            separator: ","
            decimal: ","
            time: { column: ts, format: iso8601 }
            unit: { path: acme/tls/comp/layup/cell-1 }
            type: measurement
            fields:
              measurement: { characteristic: { value: thickness }, value: v, lsl: { value: 0.2 }, usl: { value: 0.3 } }
            """
        let csv = """
            ts,v
            2026-03-02T06:00:00Z,"0,25"
            2026-03-02T06:01:00Z,0,26
            2026-03-02T06:02:00Z,"1.250"
            2026-03-02T06:03:00Z,"2,5E-1"
            """
        let result = try mapped(csv, map)
        #expect(result.events.map(\.line) == [2, 5])
        if case .measurement(let m) = result.events.first?.event.payload {
            #expect(m.value == 0.25)
        } else {
            Issue.record("no measurement")
        }
        if case .measurement(let m) = result.events.last?.event.payload {
            #expect(m.value == 0.25)
        } else {
            Issue.record("no measurement")
        }
        #expect(result.problems.count == 2)
        // Unquoted, 0,26 is two cells: the row is refused, not read as 0 or 26.
        #expect(result.problems[0].line == 3)
        #expect(result.problems[0].reason.contains("the row has 3 cells, the header 2"))
        #expect(result.problems[0].reason.contains("\"12,5\""))
        #expect(
            result.problems[1]
                == CSVProblem(
                    line: 4, column: "v", field: "value",
                    reason:
                        "'1.250' is not a number with the decimal mark ',' (the map's decimal; thousands separators are not read)"
                ))

        let pointMap = map.replacingOccurrences(of: "decimal: \",\"", with: "decimal: \".\"")
        let point = try mapped(csv, pointMap)
        #expect(point.problems.first { $0.line == 2 }?.column == "v")
        #expect(
            point.problems.first { $0.line == 2 }?.reason.contains("'0,25' is not a number with the decimal mark '.'")
                == true)
        if case .measurement(let m) = point.events.first(where: { $0.line == 4 })?.event.payload {
            #expect(m.value == 1.25)
        } else {
            Issue.record("line 4 should read 1.250 as 1.25 under a decimal point")
        }
    }

    @Test("bad time, unknown unit, negative quantity, missing value: each row names its line, column and why")
    func rowProblems() throws {
        let csv = """
            Zeit;Maschine;Gut;Ausschuss;Auftrag
            02.03.2026 06:00:00;cell-1;12;1;A-1
            31.04.2026 06:00:00;cell-1;12;1;A-1
            02.03.2026 06:00;cell-1;12;1;A-1
            02.03.2026 07:00:00;cell-9;12;1;A-1
            02.03.2026 08:00:00;cell-1;-3;1;A-1
            02.03.2026 09:00:00;cell-1;;1;A-1
            02.03.2026 10:00:00;cell-1;1x;1;A-1
            ;cell-1;4;1;A-1
            """
        let result = try mapped(csv, countMap)
        #expect(result.events.map(\.line) == [2])
        #expect(
            result.problems == [
                CSVProblem(
                    line: 3, column: "Zeit", field: "ts",
                    reason: "'31.04.2026 06:00:00' is not a time of the form dd.MM.yyyy HH:mm:ss"),
                CSVProblem(
                    line: 4, column: "Zeit", field: "ts",
                    reason: "'02.03.2026 06:00' is not a time of the form dd.MM.yyyy HH:mm:ss"),
                CSVProblem(
                    line: 5, column: "Maschine", field: "unit",
                    reason:
                        "unknown work unit 'acme/tls/comp/layup/cell-9' (expected enterprise/site/area/workCenter/workUnit)"
                ),
                CSVProblem(line: 6, column: "Gut", field: "good", reason: "must not be negative (got -3)"),
                CSVProblem(line: 7, column: "Gut", field: "good", reason: "missing"),
                CSVProblem(line: 8, column: "Gut", field: "good", reason: "'1x' is not a number"),
                CSVProblem(line: 9, column: "Zeit", field: "ts", reason: "empty"),
            ])
        #expect(result.problems[3].description == "line 6, column 'Gut' (good): must not be negative (got -3)")
    }

    @Test("a header without a column the map names is refused at line 1, naming the column")
    func missingColumn() throws {
        let csv = "Zeit;Maschine;Gut;Auftrag\n02.03.2026 06:00:00;cell-1;12;A-1\n"
        let error = try #require(throws: CSVFileError.self) { try mapped(csv, countMap) }
        #expect(
            error.problems == [
                CSVProblem(
                    line: 1, column: "Ausschuss",
                    reason: "missing from the header (it has: Zeit, Maschine, Gut, Auftrag)")
            ])
    }

    @Test("local reason codes translate through the map's table; an untranslated code is refused")
    func reasonCodes() throws {
        let map = """
            source: mes
            time: { column: ts, format: "yyyy-MM-dd HH:mm", timeZone: Europe/Paris }
            unit: { column: unit, values: { L1: acme/tls/comp/layup/cell-1 } }
            type: state
            fields:
              state: { reason: code }
            reasons: { "10": running, "20": changeover, "99": coffee }
            """
        let csv = """
            ts,unit,code
            2026-03-02 06:00,L1,10
            2026-03-02 07:00,L1,30
            2026-03-02 08:00,L1,99
            2026-03-02 09:00,L7,20
            """
        let result = try mapped(csv, map)
        #expect(result.events.count == 1)
        if case .state(let s) = result.events.first?.event.payload {
            #expect(s.reason == "running")
        } else {
            Issue.record("no state")
        }
        #expect(
            result.problems == [
                CSVProblem(
                    line: 3, column: "code", field: "reason",
                    reason: "local reason code '30' is not in the map's reasons table"),
                CSVProblem(line: 4, column: "code", field: "reason", reason: "unknown reason code 'coffee'"),
                CSVProblem(line: 5, column: "unit", field: "unit", reason: "'L7' is not in the map's unit values"),
            ])
    }

    @Test("local times: a declared zone resolves them; gaps are refused, folds only when the map says which")
    func localTimes() throws {
        let map = """
            source: mes
            time: { column: ts, format: iso8601, timeZone: Europe/Paris }
            unit: { path: acme/tls/comp/layup/cell-1 }
            type: count
            fields: { count: { good: g, scrap: { value: 0 }, rework: { value: 0 } } }
            """
        // 2026-03-29 02:30 does not exist in Paris; 2026-10-25 02:30 happens twice (+02:00, then +01:00).
        let csv = """
            ts,g
            2026-07-01T08:00:00,1
            2026-07-01 08:00:00+02:00,2
            2026-03-29T02:30:00,3
            2026-10-25T02:30:00,4
            """
        let result = try mapped(csv, map)
        #expect(result.events.map(\.event.ts.rfc3339) == ["2026-07-01T06:00:00Z", "2026-07-01T06:00:00Z"])
        #expect(result.problems.map(\.line) == [4, 5])
        #expect(result.problems[0].reason.contains("does not exist in Europe/Paris"))
        #expect(result.problems[1].reason.contains("occurs twice in Europe/Paris"))
        #expect(result.problems[1].reason.contains("2026-10-25T00:30:00Z or 2026-10-25T01:30:00Z"))
        let later = try mapped(
            csv,
            map.replacingOccurrences(of: "timeZone: Europe/Paris", with: "timeZone: Europe/Paris, ambiguous: later"))
        #expect(later.events.last?.event.ts.rfc3339 == "2026-10-25T01:30:00Z")

        // Without a zone, a time without an offset is refused, never guessed; one with an offset still reads.
        let noZone = try mapped(csv, map.replacingOccurrences(of: ", timeZone: Europe/Paris", with: ""))
        #expect(noZone.events.map(\.line) == [3])
        #expect(
            noZone.problems.first
                == CSVProblem(
                    line: 2, column: "ts", field: "ts",
                    reason:
                        "'2026-07-01T08:00:00' has no offset and the map names no time zone; add time.timeZone (e.g. Europe/Paris) or export with offsets"
                ))
        // A pattern that never carries an offset needs the zone in the map itself.
        let error = try #require(throws: CSVMapError.self) {
            try csvMap(
                map.replacingOccurrences(
                    of: "format: iso8601, timeZone: Europe/Paris", with: "format: \"dd.MM.yyyy HH:mm\""))
        }
        #expect(error.path == "time.timeZone")
    }

    @Test("other time formats: offsets in a pattern, seconds since 1970, date and time in two columns")
    func timeFormats() throws {
        func ts(_ format: String, _ cell: String, columns: String = "column: t") throws -> [String] {
            let map = """
                source: mes
                time: { \(columns), format: "\(format)" }
                unit: { path: acme/tls/comp/layup/cell-1 }
                type: energy
                fields: { energy: { kwh: k } }
                """
            let header = columns.hasPrefix("columns") ? "d,t,k" : "t,k"
            return try mapped("\(header)\n\(cell),1\n", map).events.map(\.event.ts.rfc3339)
        }
        #expect(try ts("yyyy/MM/dd HH:mm:ss.SSSXXX", "2026/03/02 06:00:00.250+01:00") == ["2026-03-02T05:00:00.250Z"])
        #expect(try ts("d.M.yyyy H:mmX", "2.3.2026 6:00Z") == ["2026-03-02T06:00:00Z"])
        #expect(try ts("epochSeconds", "1772431200") == ["2026-03-02T06:00:00Z"])
        #expect(try ts("epochMilliseconds", "1772431200500") == ["2026-03-02T06:00:00.500Z"])
        #expect(
            try ts("dd.MM.yyyy HH:mm XX", "02.03.2026,06:00 +0100", columns: "columns: [d, t]") == [
                "2026-03-02T05:00:00Z"
            ])
        #expect(throws: CSVMapError.self) { try ts("dd.MM.yy HH:mm", "02.03.26 06:00") }
        #expect(throws: CSVMapError.self) { try ts("dd.MM.yyyy hh:mm a", "02.03.2026 06:00 AM") }
    }

    @Test("every event type of the contract can be mapped from one export")
    func everyType() throws {
        let map = """
            source: mes
            time: { column: ts, format: iso8601 }
            unit: { column: unit, prefix: acme/tls/comp/layup/ }
            type: { column: kind }
            id: { column: rec, prefix: "mes-" }
            fields:
              state: { state: a, reason: b }
              order:
                order: a
                action: { column: b, values: { S: start, E: end } }
                material: c
                plannedRunTimePerUnit: n1
                plannedQuantity: n2
                plannedSetupTime: n3
                plannedScrapQuantity: n4
                operation: n5
              count: { good: n1, scrap: n2, rework: n3, order: c }
              labor: { worker: a, action: b, order: c }
              maintenance: { kind: a, action: b }
              measurement: { characteristic: a, value: n1, lsl: n2, usl: n3, subgroup: b }
              material: { flow: a, material: b, quantity: n1, grade: c }
              energy: { kwh: n1 }
              inspection: { serial: a, result: b, order: c, characteristic: d }
              correction: { corrects: a, reason: b, replacement: count }
            """
        let csv = """
            rec,ts,unit,kind,a,b,c,d,n1,n2,n3,n4,n5
            1,2026-03-02T06:00:00Z,cell-1,state,,running,,,,,,,
            2,2026-03-02T06:00:00Z,cell-1,order,O-1,S,bracket,,30,100,600,2,1
            3,2026-03-02T06:30:00Z,cell-1,count,,,O-1,,10,1,2,,
            4,2026-03-02T06:05:00Z,cell-1,labor,w-7,clockIn,O-1,,,,,,
            5,2026-03-02T07:00:00Z,cell-1,maintenance,corrective,start,,,,,,,
            6,2026-03-02T07:05:00Z,cell-1,measurement,bore,g1,,,-0.5,-1,1,,
            7,2026-03-02T07:10:00Z,cell-1,material,produced,bracket,B,,10,,,,
            8,2026-03-02T07:15:00Z,cell-1,energy,,,,,12.5,,,,
            9,2026-03-02T07:20:00Z,cell-1,inspection,SN-1,pass,O-1,bore,,,,,
            10,2026-03-02T08:00:00Z,cell-1,order,O-1,E,,,,,,,
            11,2026-03-02T08:10:00Z,cell-1,correction,mes-3,miscount,,,9,1,2,,
            """
        let result = try mapped(csv, map)
        #expect(result.problems == [])
        let u = #""source":"mes","unit":"acme/tls/comp/layup/cell-1""#
        let expected = [
            #"{"id":"mes-1","ts":"2026-03-02T06:00:00Z",\#(u),"type":"state","reason":"running"}"#,
            #"{"id":"mes-2","ts":"2026-03-02T06:00:00Z",\#(u),"type":"order","order":"O-1","action":"start","material":"bracket","plannedRunTimePerUnit":30,"plannedQuantity":100,"plannedSetupTime":600,"plannedScrapQuantity":2,"operation":1}"#,
            #"{"id":"mes-3","ts":"2026-03-02T06:30:00Z",\#(u),"type":"count","good":10,"scrap":1,"rework":2,"order":"O-1"}"#,
            #"{"id":"mes-4","ts":"2026-03-02T06:05:00Z",\#(u),"type":"labor","worker":"w-7","action":"clockIn","order":"O-1"}"#,
            #"{"id":"mes-5","ts":"2026-03-02T07:00:00Z",\#(u),"type":"maintenance","kind":"corrective","action":"start"}"#,
            #"{"id":"mes-6","ts":"2026-03-02T07:05:00Z",\#(u),"type":"measurement","characteristic":"bore","value":-0.5,"lsl":-1,"usl":1,"subgroup":"g1"}"#,
            #"{"id":"mes-7","ts":"2026-03-02T07:10:00Z",\#(u),"type":"material","flow":"produced","material":"bracket","quantity":10,"grade":"B"}"#,
            #"{"id":"mes-8","ts":"2026-03-02T07:15:00Z",\#(u),"type":"energy","kwh":12.5}"#,
            #"{"id":"mes-9","ts":"2026-03-02T07:20:00Z",\#(u),"type":"inspection","serial":"SN-1","result":"pass","order":"O-1","characteristic":"bore"}"#,
            #"{"id":"mes-10","ts":"2026-03-02T08:00:00Z",\#(u),"type":"order","order":"O-1","action":"end"}"#,
            #"{"id":"mes-11","ts":"2026-03-02T08:10:00Z",\#(u),"type":"correction","corrects":"mes-3","reason":"miscount","replacement":{"ts":"2026-03-02T08:10:00Z",\#(u),"type":"count","good":9,"scrap":1,"rework":2}}"#,
        ]
        #expect(result.events.map(\.event) == (try expected.map(contract)))
        let types = Set(result.events.map(\.event.type))
        #expect(types == Set(ContractFields.types))
    }

    @Test("content ids: the same facts keep their ids through a re-export with rows appended and columns moved")
    func contentIDs() throws {
        let first = """
            Zeit;Maschine;Gut;Ausschuss;Auftrag
            02.03.2026 06:00:00;cell-1;1;0;A-1
            02.03.2026 06:00:00;cell-1;1;0;A-1
            02.03.2026 07:00:00;cell-1;2;0;A-1
            """
        let reexport = """
            Auftrag;Kommentar;Zeit;Maschine;Ausschuss;Gut
            A-1;;02.03.2026 06:00:00;cell-1;0;1,0
            A-1;erneut;02.03.2026 06:00:00;cell-1;0;1
            A-1;;02.03.2026 07:00:00;cell-1;;2
            A-1;;02.03.2026 08:00:00;cell-1;0;3
            """
        let a = try mapped(first, countMap).events.map(\.event.id.rawValue)
        let b = try mapped(reexport, countMap).events.map(\.event.id.rawValue)
        #expect(a.count == 3)
        // Two identical rows stay two events (occurrence 1 and 2 of the same content).
        #expect(Set(a).count == 3)
        #expect(Array(b.prefix(3)) == a)
        #expect(!a.contains(b[3]))
        #expect(a.allSatisfy { $0.hasPrefix("csv:mes:") && $0.count == "csv:mes:".count + 32 })
        // The same file mapped twice gives the same ids.
        #expect(try mapped(first, countMap).events.map(\.event.id.rawValue) == a)
    }

    @Test("map errors name the file's line and key path")
    func mapErrors() throws {
        func error(_ yaml: String) throws -> CSVMapError { try #require(throws: CSVMapError.self) { try csvMap(yaml) } }
        let misspelt = try error(countMap.replacingOccurrences(of: "order: Auftrag", with: "oder: Auftrag"))
        #expect(misspelt.path == "fields.count.oder")
        #expect(misspelt.line == 12)
        #expect(misspelt.reason.hasPrefix("not a field of count events"))
        let noScrap = try error(
            countMap.replacingOccurrences(of: "    scrap: { column: Ausschuss, default: 0 }\n", with: ""))
        #expect(noScrap.path == "fields.count")
        #expect(noScrap.reason.contains("maps no scrap"))
        let unknownKey = try error(countMap + "\nseperator: \";\"\n")
        #expect(unknownKey.path == "seperator")
        let zone = try error(countMap.replacingOccurrences(of: "Europe/Paris", with: "Europe/Toulose"))
        #expect(zone.path == "time.timeZone")
        #expect(zone.description.hasPrefix("map.yaml:4: time.timeZone: 'Europe/Toulose' is not an IANA time zone"))
        let type = try error(countMap.replacingOccurrences(of: "type: count", with: "type: counts"))
        #expect(type.path == "type")
    }

    @Test("encodings: windows-1252 when declared; UTF-8 bytes that are not UTF-8 are refused with their line")
    func encodings() throws {
        let map = """
            source: mes
            encoding: windows-1252
            time: { column: t, format: iso8601 }
            unit: { path: acme/tls/comp/layup/cell-1 }
            type: inspection
            fields: { inspection: { serial: s, result: { column: r, values: { "bestanden": pass, "durchgefallen": fail } } } }
            """
        let data = Data("t,s,r\n2026-03-02T06:00:00Z,SN-".utf8) + Data([0xE9]) + Data(",bestanden\n".utf8)
        let latin = try CSVImport(map: try csvMap(map)).read(data)
        #expect(latin.problems == [])
        if case .inspection(let i) = latin.events.first?.event.payload {
            #expect(i.serial == "SN-\u{E9}")
        } else {
            Issue.record("no inspection")
        }
        let utf8Map = map.replacingOccurrences(of: "encoding: windows-1252\n", with: "")
        let error = try #require(throws: CSVFileError.self) {
            try CSVImport(map: try csvMap(utf8Map)).read(
                Data("t,s,r\n2026-03-02T06:00:00Z,SN-".utf8) + Data([0xC1, 0x0A]))
        }
        #expect(error.problems.first?.line == 2)
        #expect(error.problems.first?.reason.hasPrefix("invalid UTF-8 (byte 0xC1)") == true)
    }

    @Test(
        "numbers are read strictly under either decimal mark",
        arguments: [
            ("12", CSVMap.DecimalMark.point, 12.0), ("-0.5", .point, -0.5), ("+3", .point, 3), ("1.5e3", .point, 1500),
            ("12,5", .comma, 12.5), ("1,5E+03", .comma, 1500), ("-0,25", .comma, -0.25),
        ])
    func numbers(text: String, mark: CSVMap.DecimalMark, value: Double) throws {
        #expect(try CSVNumber.parse(text, decimal: mark).get() == value)
    }

    @Test(
        "text that is not a number under the declared mark is refused",
        arguments: [
            ("12,5", CSVMap.DecimalMark.point), ("1.250", .comma), ("1 250", .point), ("1.250,5", .comma), ("", .point),
            (".", .point), ("1e", .point), ("nan", .point), ("inf", .point), ("0x10", .point),
        ])
    func notNumbers(text: String, mark: CSVMap.DecimalMark) {
        #expect((try? CSVNumber.parse(text, decimal: mark).get()) == nil)
    }
}
