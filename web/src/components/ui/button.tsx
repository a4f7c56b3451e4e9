import { Slot } from '@radix-ui/react-slot';
import { cva, type VariantProps } from 'class-variance-authority';
import { forwardRef, type ButtonHTMLAttributes } from 'react';
import { cn } from './cn';

export const buttonVariants = cva(
  // Sized like the plain-CSS .button / .button-small so both kinds sit well side by side.
  'inline-flex cursor-pointer items-center justify-center gap-1.5 rounded-control border [font-family:inherit] font-medium leading-normal whitespace-nowrap ' +
    'transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent ' +
    'disabled:cursor-not-allowed disabled:opacity-55',
  {
    variants: {
      variant: {
        primary: 'border-accent bg-accent text-white hover:enabled:bg-accent-hover',
        outline: 'border-border bg-surface text-fg shadow-card hover:enabled:border-accent hover:enabled:text-accent',
        ghost: 'border-transparent bg-transparent text-fg hover:enabled:bg-neutral-bg',
        danger: 'border-error-fg bg-error-fg text-white hover:enabled:opacity-90',
        'danger-outline': 'border-error-border bg-surface text-error-fg hover:enabled:bg-error-bg',
      },
      size: {
        sm: 'px-2.5 py-[3px] text-[0.8125rem]',
        md: 'px-3.5 py-1.5 text-sm',
        icon: 'size-8 p-0',
      },
    },
    defaultVariants: { variant: 'outline', size: 'md' },
  },
);

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement>, VariantProps<typeof buttonVariants> {
  /** Render the single child (e.g. a router Link) with the button's look instead of a <button>. */
  asChild?: boolean;
}

export const Button = forwardRef<HTMLButtonElement, ButtonProps>(function Button(
  { className, variant, size, asChild = false, type, ...props },
  ref,
) {
  const Comp = asChild ? Slot : 'button';
  return (
    <Comp
      ref={ref}
      className={cn(buttonVariants({ variant, size }), className)}
      // A plain <button> defaults to "button", never to an accidental form submit.
      type={asChild ? type : (type ?? 'button')}
      {...props}
    />
  );
});
