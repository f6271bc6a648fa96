import TinyTune
import TinyTuneCLI

ProcessMemory.reuseFreedMemory()
TinyTuneCommand.main()
