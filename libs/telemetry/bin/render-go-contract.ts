// Prints the generated contract block for pipeline/telegraf-processor/contract.go.
import { renderGoContract } from '../src/goContract';

process.stdout.write(renderGoContract() + '\n');
