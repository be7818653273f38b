// Prints the generated contract block for provisioning/telegraf/plugin/contract.go.
import { renderGoContract } from '../src/goContract';

process.stdout.write(renderGoContract() + '\n');
