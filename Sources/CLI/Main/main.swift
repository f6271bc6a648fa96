import TinyTuneCLI

TinyTuneCommand.main()
