import ArgumentParser
import SparCLI

@main
struct Spar {
    static func main() async {
        let root: any AsyncParsableCommand.Type = SparCommand.self
        await root.main()
    }
}
