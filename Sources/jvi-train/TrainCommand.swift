@main
struct TrainCommand {
  static func main() {}
}
